package dev.runbook.expr;

/**
 * Splices values into POSIX shell text so that each is exactly one word, whatever quoting
 * context the template author placed it in: bare, inside single quotes or inside double quotes.
 */
public final class ShellQuoting {

    /** The quoting context at a point in shell text. */
    public enum Context { BARE, SINGLE, DOUBLE }

    private ShellQuoting() {}

    /** {@code s} as one single-quoted shell word. */
    public static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "@%+=:,./_-".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** {@code s} escaped to stay literal in the given context, as a single word. */
    public static String splice(String s, Context context) {
        return switch (context) {
            case BARE -> quote(s);
            case SINGLE -> s.replace("'", "'\\''");
            case DOUBLE -> s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`");
        };
    }

    /** A reference to an environment variable, expanded by the shell as one word. */
    public static String envRef(String var, Context context) {
        return switch (context) {
            case BARE -> "\"${" + var + "}\"";
            case SINGLE -> "'\"${" + var + "}\"'";
            case DOUBLE -> "${" + var + "}";
        };
    }

    /** The context after reading {@code text} starting in {@code context}. */
    public static Context advance(String text, Context context) {
        Context c = context;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (c) {
                case SINGLE -> {
                    if (ch == '\'') {
                        c = Context.BARE;
                    }
                }
                case DOUBLE -> {
                    if (ch == '\\') {
                        i++;
                    } else if (ch == '"') {
                        c = Context.BARE;
                    }
                }
                case BARE -> {
                    if (ch == '\\') {
                        i++;
                    } else if (ch == '\'') {
                        c = Context.SINGLE;
                    } else if (ch == '"') {
                        c = Context.DOUBLE;
                    }
                }
            }
        }
        return c;
    }
}
