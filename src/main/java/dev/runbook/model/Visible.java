package dev.runbook.model;

/**
 * Text that came from outside the tool (a command's output, a param, a host's name, a message
 * quoting either, an audit trail someone else wrote) as a person's terminal should show it: every
 * control character but tab written out as an escape, so that none of it moves the cursor, erases
 * a line, sets the window title or starts a line that passes for one of the tool's own. The CLI's
 * lines and diagnostics escape such text here and nowhere else.
 *
 * <p>Escapes: {@code \n} and {@code \r} by name, the other C0 characters and DEL as {@code \x1b},
 * the C1 controls (which some terminals obey as ESC sequences) and the Unicode marks that reorder
 * or break displayed text (bidi overrides and isolates, line and paragraph separators) as
 * {@code \u009b}. All other text, UTF-8 of any script and the replacement character for bytes
 * that were no UTF-8, shows as it is; so does a backslash: this is for reading, not a quoting
 * that can be undone, and doubling every backslash of a path or a regex would hurt more.
 */
public final class Visible {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Visible() {}

    /** One line: line breaks are escaped like the rest. Null stays null. */
    public static String line(String s) {
        return escape(s, false);
    }

    /** Text of several lines, each shown on its own: {@code \n} is kept, all else as {@link #line}. */
    public static String lines(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean keepNewlines) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !escaped(s.charAt(i), keepNewlines)) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!escaped(c, keepNewlines)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x80) {
                b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            }
        }
        return b.toString();
    }

    private static boolean escaped(char c, boolean keepNewlines) {
        if (c < 0x20) {
            return c != '\t' && !(keepNewlines && c == '\n');
        }
        return (c >= 0x7f && c <= 0x9f)
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
                || c == '\u2028' || c == '\u2029';
    }
}
