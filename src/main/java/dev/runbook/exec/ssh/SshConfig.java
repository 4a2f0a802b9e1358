package dev.runbook.exec.ssh;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OpenSSH client configuration files (the user's, then the system's), as ssh_config(5) reads
 * them: keywords are case-insensitive, the first value obtained for a keyword wins (IdentityFile,
 * CertificateFile and UserKnownHostsFile accumulate), {@code Include} is expanded in place, {@code Host} lines
 * honour {@code !negation}, and {@code Match} blocks other than {@code Match all} never apply.
 * <p>Parsed here rather than with JSch's OpenSSHConfig, which applies a block when a negated
 * pattern does <em>not</em> match: {@code Host * !bastion / ProxyJump bastion} would then route
 * the bastion through itself.
 */
final class SshConfig {
    private static final int MAX_INCLUDE_DEPTH = 16;
    private static final String PUSH = "#push";
    private static final String POP = "#pop";
    /** The keywords whose values add up rather than the first one winning. */
    static final List<String> ACCUMULATING = List.of("identityfile", "certificatefile", "userknownhostsfile");

    /** A keyword whose value runbook uses, checked as ssh(1) checks it: in every block, applying or not. */
    private static final Map<String, String> CHECKED = Map.of(
            "port", "a port number from 1 to 65535",
            "serveraliveinterval", "a time in seconds such as 30 or 1m",
            "connecttimeout", "a time in seconds such as 10 or 1m",
            "serveralivecountmax", "a whole number");

    private record Line(String key, List<String> args) {}

    private final List<Line> lines;
    private final List<Diagnostic> problems;

    private SshConfig(List<Line> lines, List<Diagnostic> problems) {
        this.lines = lines;
        this.problems = List.copyOf(problems);
    }

    static SshConfig empty() {
        return new SshConfig(List.of(), List.of());
    }

    /**
     * The values ssh(1) would refuse to start with ({@code Port abc}, {@code ServerAliveInterval soon}),
     * each at its file, line and column; empty when the files are usable.
     */
    List<Diagnostic> problems() {
        return problems;
    }

    /** Reads the files in order (missing ones are skipped); includes resolve against each file's directory. */
    static SshConfig load(List<Path> files, Path home) throws IOException {
        Parsed all = new Parsed();
        for (Path f : files) {
            if (f != null && Files.isRegularFile(f)) {
                read(f, f.toAbsolutePath().getParent(), home, all, 0);
            }
        }
        return new SshConfig(List.copyOf(all.lines), all.problems);
    }

    /** @param label what problems name as the file */
    static SshConfig parse(String text, String label) {
        Parsed all = new Parsed();
        try {
            addLines(text.lines().toList(), label, null, null, all, 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new SshConfig(List.copyOf(all.lines), all.problems);
    }

    static SshConfig parse(String text) {
        return parse(text, "ssh_config");
    }

    /** What reading the files gives: their lines, includes expanded, and the values ssh(1) would refuse. */
    private static final class Parsed {
        final List<Line> lines = new ArrayList<>();
        final List<Diagnostic> problems = new ArrayList<>();
    }

    /**
     * A time as ssh_config(5) writes it ({@code 30}, {@code 90s}, {@code 1m30s}, units s m h d w in
     * either case), in seconds; -1 when it is not one.
     */
    static long seconds(String text) {
        String t = text.strip();
        if (!t.matches("(\\d{1,9}[sSmMhHdDwW]?)+")) {
            return -1;
        }
        long total = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([sSmMhHdDwW]?)").matcher(t);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total += n * switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "m" -> 60L;
                case "h" -> 3600L;
                case "d" -> 86400L;
                case "w" -> 604800L;
                default -> 1L;
            };
        }
        return total > Integer.MAX_VALUE ? -1 : total;
    }

    /** What is wrong with a checked keyword's value, or null. */
    private static String problem(String key, List<String> args) {
        String v = args.isEmpty() ? "" : args.get(0);
        boolean ok = switch (key) {
            case "port" -> v.matches("\\d{1,5}") && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= 65535;
            case "serveraliveinterval", "connecttimeout" -> seconds(v) >= 0 || key.equals("connecttimeout") && v.equalsIgnoreCase("none");
            default -> v.matches("\\d{1,9}");
        };
        return ok ? null : key(key) + " must be " + CHECKED.get(key) + ", not '" + v + "'";
    }

    private static String key(String lower) {
        return switch (lower) {
            case "port" -> "Port";
            case "serveraliveinterval" -> "ServerAliveInterval";
            case "connecttimeout" -> "ConnectTimeout";
            default -> "ServerAliveCountMax";
        };
    }

    /**
     * The settings that apply to {@code alias}: lower-case keyword to its arguments. Values in
     * {@code first} (command-line style {@code -o} options) win over the files.
     */
    Map<String, List<String>> lookup(String alias, Map<String, List<String>> first) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        first.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), new ArrayList<>(v)));
        boolean active = true;
        Deque<Boolean> saved = new ArrayDeque<>();
        int never = 0;
        for (Line l : lines) {
            switch (l.key()) {
                case PUSH -> {
                    saved.push(active);
                    if (!active) {
                        never++;
                    }
                }
                case POP -> {
                    active = saved.pop();
                    if (!active) {
                        never--;
                    }
                }
                case "host" -> active = never == 0 && hostMatches(l.args(), alias);
                case "match" -> active = never == 0 && l.args().size() == 1 && l.args().get(0).equalsIgnoreCase("all");
                default -> {
                    if (active && !l.args().isEmpty()) {
                        if (ACCUMULATING.contains(l.key())) {
                            out.computeIfAbsent(l.key(), k -> new ArrayList<>()).addAll(l.args());
                        } else {
                            out.putIfAbsent(l.key(), l.args());
                        }
                    }
                }
            }
        }
        return out;
    }

    static boolean hostMatches(List<String> patterns, String host) {
        boolean matched = false;
        for (String p : patterns) {
            boolean negated = p.startsWith("!");
            if (glob(negated ? p.substring(1) : p, host)) {
                if (negated) {
                    return false;
                }
                matched = true;
            }
        }
        return matched;
    }

    /** {@code *} and {@code ?} wildcards, case-insensitive as host names are. */
    static boolean glob(String pattern, String text) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String t = text.toLowerCase(Locale.ROOT);
        int pi = 0, ti = 0, star = -1, mark = 0;
        while (ti < t.length()) {
            if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == t.charAt(ti))) {
                pi++;
                ti++;
            } else if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = ti;
            } else if (star >= 0) {
                pi = star + 1;
                ti = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    private static void read(Path file, Path base, Path home, Parsed out, int depth) throws IOException {
        addLines(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString(), base, home, out, depth);
    }

    private static void addLines(List<String> text, String label, Path base, Path home, Parsed out, int depth)
            throws IOException {
        for (int n = 0; n < text.size(); n++) {
            String raw = text.get(n);
            String s = raw.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < s.length() && !Character.isWhitespace(s.charAt(end)) && s.charAt(end) != '=') {
                end++;
            }
            String key = s.substring(0, end).toLowerCase(Locale.ROOT);
            String rest = s.substring(end).strip();
            if (rest.startsWith("=")) {
                rest = rest.substring(1).strip();
            }
            // ProxyCommand's value goes to the shell as written, quotes and all
            List<String> args = key.equals("proxycommand") ? List.of(rest) : words(rest);
            if (key.equals("include")) {
                include(args, base, home, out, depth);
                continue;
            }
            String problem = CHECKED.containsKey(key) ? problem(key, args) : null;
            if (problem != null) {
                int col = rest.isEmpty() ? raw.indexOf(s) + 1 : raw.lastIndexOf(rest) + 1;
                out.problems.add(Diagnostic.error(new SourcePos(label, n + 1, col), problem));
            }
            out.lines.add(new Line(key, args));
        }
    }

    /** Included lines are evaluated in the including block's state, which is restored afterwards. */
    private static void include(List<String> patterns, Path base, Path home, Parsed out, int depth)
            throws IOException {
        if (depth >= MAX_INCLUDE_DEPTH || base == null) {
            return;
        }
        out.lines.add(new Line(PUSH, List.of()));
        for (String pattern : patterns) {
            Path p = pattern.startsWith("~/") && home != null ? home.resolve(pattern.substring(2)) : Path.of(pattern);
            Path resolved = base.resolve(p);
            Path dir = resolved.getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                continue;
            }
            List<Path> matches = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, resolved.getFileName().toString())) {
                ds.forEach(matches::add);
            }
            matches.sort(null);
            for (Path m : matches) {
                if (Files.isRegularFile(m)) {
                    read(m, base, home, out, depth + 1);
                }
            }
        }
        out.lines.add(new Line(POP, List.of()));
    }

    /** Splits arguments at whitespace; double quotes group a word, as ssh_config allows. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false, any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }
}
