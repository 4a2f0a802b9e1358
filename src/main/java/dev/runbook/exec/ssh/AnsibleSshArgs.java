package dev.runbook.exec.ssh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ssh command-line options an Ansible inventory passes in {@code ansible_ssh_common_args} and
 * {@code ansible_ssh_extra_args}, read as ssh_config settings so that such inventories work
 * unchanged: {@code -o Key=Value}, {@code -J jump}, {@code -i key}, {@code -p port}, {@code -l user}.
 * Other flags are ignored; {@link #unapplied} names them for the inventory's warnings.
 */
public final class AnsibleSshArgs {
    /** The {@code -o} options the connection applies, as ssh_config spells them. */
    public static final List<String> APPLIED_OPTIONS = List.of("HostName", "Port", "User", "IdentityFile", "CertificateFile",
            "IdentitiesOnly", "IdentityAgent", "ConnectTimeout", "HostKeyAlias", "ProxyCommand", "ProxyJump",
            "ServerAliveInterval", "ServerAliveCountMax", "UserKnownHostsFile", "StrictHostKeyChecking");
    private static final java.util.Set<String> APPLIED = APPLIED_OPTIONS.stream().map(o -> o.toLowerCase(Locale.ROOT))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    /** Options with nothing to do here: one connection per host for the run is kept anyway, and nothing ever prompts. */
    private static final java.util.Set<String> MOOT = java.util.Set.of("controlmaster", "controlpersist", "controlpath",
            "batchmode", "loglevel", "compression");
    /** ssh flags that take the next word as their argument. */
    private static final String FLAGS_WITH_ARGUMENT = "BbcDEeFIiJLlmOoPpQRSWw";

    private AnsibleSshArgs() {}

    /**
     * The options of {@code args} the connection does not apply, as written ({@code -o ForwardAgent=yes},
     * {@code -F ./ssh.cfg}, {@code -A}), for a warning: an inventory that relies on them should know.
     * Host key checking cannot be switched off: {@code StrictHostKeyChecking} other than yes or
     * accept-new is listed too.
     */
    public static List<String> unapplied(String args) {
        List<String> out = new ArrayList<>();
        List<String> words = split(args);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.length() < 2 || !w.startsWith("-")) {
                continue;
            }
            char flag = w.charAt(1);
            boolean takesArgument = FLAGS_WITH_ARGUMENT.indexOf(flag) >= 0;
            String value = !takesArgument ? null : w.length() > 2 ? w.substring(2) : i + 1 < words.size() ? words.get(++i) : "";
            switch (flag) {
                case 'J', 'i', 'p', 'l' -> { }
                case 'o' -> {
                    String key = value.split("[=\\s]", 2)[0].strip().toLowerCase(Locale.ROOT);
                    String v = value.contains("=") || value.contains(" ") ? value.substring(key.length() + 1).strip() : "";
                    boolean offChecking = key.equals("stricthostkeychecking") && !v.equalsIgnoreCase("yes") && !v.equalsIgnoreCase("accept-new");
                    if ((!APPLIED.contains(key) && !MOOT.contains(key)) || offChecking) {
                        out.add("-o " + value);
                    }
                }
                // a flag with its argument, or flags alone (bundled ones such as -AC as written)
                default -> out.add(takesArgument ? w.substring(0, 2) + " " + value : w);
            }
        }
        return out;
    }

    /** Adds the options in {@code args} to {@code into} (lower-case keyword to arguments); the first value wins. */
    static void parse(String args, Map<String, List<String>> into) {
        List<String> words = split(args);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String flag = w.length() >= 2 && w.startsWith("-") ? w.substring(0, 2) : "";
            String value = w.length() > 2 ? w.substring(2) : i + 1 < words.size() ? words.get(i + 1) : null;
            boolean separate = w.length() == 2;
            String key = switch (flag) {
                case "-o" -> "-o";
                case "-J" -> "proxyjump";
                case "-i" -> "identityfile";
                case "-p" -> "port";
                case "-l" -> "user";
                default -> null;
            };
            if (key == null || value == null) {
                continue;
            }
            if (separate) {
                i++;
            }
            if (key.equals("-o")) {
                option(value, into);
            } else if (key.equals("identityfile")) {
                into.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } else {
                into.putIfAbsent(key, List.of(value));
            }
        }
    }

    private static void option(String kv, Map<String, List<String>> into) {
        int eq = kv.indexOf('=');
        int sp = kv.indexOf(' ');
        int at = eq < 0 ? sp : sp < 0 ? eq : Math.min(eq, sp);
        if (at <= 0) {
            return;
        }
        String key = kv.substring(0, at).strip().toLowerCase(Locale.ROOT);
        String raw = kv.substring(at + 1).strip();
        List<String> value = key.equals("proxycommand") ? (raw.isEmpty() ? List.of() : List.of(raw)) : SshConfig.words(raw);
        if (value.isEmpty()) {
            return;
        }
        if (SshConfig.ACCUMULATING.contains(key)) {
            into.computeIfAbsent(key, k -> new ArrayList<>()).addAll(value);
        } else {
            into.putIfAbsent(key, value);
        }
    }

    /** Shell-like word splitting: single and double quotes group, a backslash escapes the next character. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean any = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < s.length()) {
                    cur.append(s.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                any = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                any = true;
            } else if (Character.isWhitespace(c)) {
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

    static Map<String, List<String>> empty() {
        return new LinkedHashMap<>();
    }
}
