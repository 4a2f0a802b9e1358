package dev.runbook.load;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 2d}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {}

    /** @throws IllegalArgumentException with a message fit for the user */
    public static Duration parse(String text) {
        String s = text.trim();
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("a duration cannot be negative: '" + text + "'");
        }
        if (s.isEmpty() || !s.matches("(\\d+(ms|s|m|h|d))+")) {
            if (s.matches("\\d+")) {
                throw new IllegalArgumentException("'" + text + "' has no unit; write " + s + "s, " + s + "m or " + s + "ms");
            }
            throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 30s, 5m, 1h30m");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(s);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        if (total.toDays() > 3650) {
            throw new IllegalArgumentException("'" + text + "' is longer than ten years");
        }
        return total;
    }

    /**
     * A time as the console shows it: {@code 830 ms}, {@code 1.8 s}. A point whatever the locale,
     * and no String.format, whose first use loads the locale machinery (20-30 ms at the end of
     * every run longer than a second).
     */
    public static String elapsed(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        long tenths = (ms + 50) / 100;
        return tenths / 10 + "." + tenths % 10 + " s";
    }

    /** The shortest form {@link #parse} reads back. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        long s = ms / 1000 % 60;
        long rest = ms % 1000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (rest > 0) {
            b.append(rest).append("ms");
        }
        return b.toString();
    }
}
