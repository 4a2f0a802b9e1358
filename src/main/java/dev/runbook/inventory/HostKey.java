package dev.runbook.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A key under a group's {@code hosts:}: one host name, or a range such as {@code www[01:50].example.com}
 * or {@code db-[a:f]}, optionally followed by {@code :port}. The grammar is Ansible's own
 * ({@code ansible.parsing.utils.addresses}): a DNS-like name, an IPv4 or an IPv6 address, with
 * ranges in place of parts. Ansible falls back to taking an unparseable key literally, which yields
 * a host no pattern can select and no SSH client can reach; we refuse it instead.
 *
 * @param port the port after the name, or null
 */
record HostKey(List<String> names, Integer port) {

    /** Bounds the hosts one key may expand to: {@code h[0:99999999]} must not exhaust memory. */
    static final int MAX_HOSTS = 65_536;

    private static final String NUMERIC_RANGE = "\\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\\]";
    private static final String HEX_RANGE = "\\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\\]";
    private static final String ALNUM_RANGE = "\\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\\]";
    private static final String LABEL = "(?:\\w|" + ALNUM_RANGE + ")(?:[\\w-]|" + ALNUM_RANGE + ")*(?<![_-])";
    private static final String V4 = "(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|" + NUMERIC_RANGE + ")";
    private static final String V6 = "(?:[0-9a-f]{1,4}|" + HEX_RANGE + ")";

    private static final Pattern BRACKETED_HOSTPORT = Pattern.compile("^\\[(.+)\\]:([0-9]+)$");
    private static final Pattern HOSTPORT = Pattern.compile("^((?:[^:\\[\\]]|\\[[^\\]]*\\])*):([0-9]+)$");
    private static final Pattern HOSTNAME = Pattern.compile("^" + LABEL + "(?:\\." + LABEL + ")*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern IPV4 = Pattern.compile("^(?:" + V4 + "\\.){3}" + V4 + "$", Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV6 = Pattern.compile("^(?:"
            + "(?:" + V6 + ":){7}" + V6
            + "|(?:" + V6 + ":){1,6}:"
            + "|(?:" + V6 + ":)(?::" + V6 + "){1,6}"
            + "|(?:" + V6 + ":){2}(?::" + V6 + "){1,5}"
            + "|(?:" + V6 + ":){3}(?::" + V6 + "){1,4}"
            + "|(?:" + V6 + ":){4}(?::" + V6 + "){1,3}"
            + "|(?:" + V6 + ":){5}(?::" + V6 + "){1,2}"
            + "|(?:" + V6 + ":){6}(?::" + V6 + ")"
            + "|:(?::" + V6 + "){1,6}"
            + "|" + V6 + "?::"
            + "|(?:0:){6}(?:" + V6 + "\\.){3}" + V6
            + "|::(?:ffff:)?(?:" + V6 + "\\.){3}" + V6
            + "|(?:0:){5}ffff:(?:" + V6 + "\\.){3}" + V6
            + ")$", Pattern.CASE_INSENSITIVE);
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    HostKey {
        names = List.copyOf(names);
    }

    /** @throws IllegalArgumentException with a message for the user when the key is not a host name */
    static HostKey parse(String key) {
        String address = key;
        Integer port = null;
        for (Pattern p : List.of(BRACKETED_HOSTPORT, HOSTPORT)) {
            Matcher m = p.matcher(address);
            if (m.matches()) {
                address = m.group(1);
                port = port(m.group(2));
            }
        }
        if (!isAddress(address)) {
            throw new IllegalArgumentException("'" + key + "' is not a valid host name: use letters, digits, '-', '_' and '.'"
                    + " (or an IP address, or a range such as web[01:20])");
        }
        List<String> names = new ArrayList<>();
        expand(address, names);
        return new HostKey(names, port);
    }

    /** A host name, an IPv4 or an IPv6 address, ranges allowed: what Ansible's parse_address accepts. */
    static boolean isAddress(String s) {
        return IPV4.matcher(s).matches() || IPV6.matcher(s).matches() || HOSTNAME.matcher(s).matches();
    }

    static boolean isIpv6(String s) {
        return s.indexOf('[') < 0 && IPV6.matcher(s).matches();
    }

    private static Integer port(String digits) {
        int p = digits.length() > 5 ? 0 : Integer.parseInt(digits);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + digits + " is out of range: a port is 1 to 65535");
        }
        return p;
    }

    /** Ansible's expand_hostname_range: the first [begin:end(:step)] expanded, then the rest recursively. */
    private static void expand(String name, List<String> out) {
        int open = name.indexOf('[');
        if (open < 0) {
            if (out.size() >= MAX_HOSTS) {
                throw new IllegalArgumentException("the range expands to more than " + MAX_HOSTS + " hosts");
            }
            out.add(name);
            return;
        }
        int close = name.indexOf(']', open);
        String head = name.substring(0, open);
        String range = name.substring(open + 1, close);
        String tail = name.substring(close + 1);
        String[] bounds = range.split(":", -1);
        String begin = bounds[0].isEmpty() ? "0" : bounds[0];
        String end = bounds[1];
        int step = bounds.length == 3 && bounds[2].length() <= 9 ? Integer.parseInt(bounds[2]) : bounds.length == 3 ? 0 : 1;
        if (step < 1) {
            throw new IllegalArgumentException("the step of range [" + range + "] must be from 1 to 999999999");
        }
        int a = LETTERS.indexOf(begin);
        int b = LETTERS.indexOf(end);
        if (begin.length() == 1 && end.length() == 1 && a >= 0 && b >= 0) {
            checkOrder(range, a, b);
            for (int i = a; i <= b; i += step) {
                expand(head + LETTERS.charAt(i) + tail, out);
            }
            return;
        }
        boolean padded = begin.length() > 1 && begin.charAt(0) == '0';
        if (padded && begin.length() != end.length()) {
            throw new IllegalArgumentException("range [" + range + "] must give begin and end with the same number of digits");
        }
        long from;
        long to;
        try {
            from = Long.parseLong(begin);
            to = Long.parseLong(end);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("range [" + range + "] must be numeric (01:20) or single letters (a:f)");
        }
        checkOrder(range, from, to);
        if ((to - from) / step >= MAX_HOSTS) {
            throw new IllegalArgumentException("the range expands to more than " + MAX_HOSTS + " hosts");
        }
        for (long i = from; i <= to; i += step) {
            String n = Long.toString(i);
            expand(head + (padded ? "0".repeat(Math.max(0, begin.length() - n.length())) + n : n) + tail, out);
        }
    }

    private static void checkOrder(String range, long begin, long end) {
        if (begin > end) {
            throw new IllegalArgumentException("range [" + range + "] is empty: its begin is after its end");
        }
    }
}
