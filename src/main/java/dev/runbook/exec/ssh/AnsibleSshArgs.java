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
 * Other flags are ignored.
 */
final class AnsibleSshArgs {
    private AnsibleSshArgs() {}

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
