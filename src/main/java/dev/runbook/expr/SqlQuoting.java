package dev.runbook.expr;

/** Tracks SQL quoting so that values are spliced only where a bind parameter can stand. */
public final class SqlQuoting {

    public enum Context { CODE, STRING, IDENTIFIER, COMMENT }

    private SqlQuoting() {}

    public static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    public static Context advance(String text, Context context) {
        Context c = context;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (c) {
                case STRING -> {
                    if (ch == '\'') {
                        c = Context.CODE;
                    }
                }
                case IDENTIFIER -> {
                    if (ch == '"') {
                        c = Context.CODE;
                    }
                }
                case COMMENT -> {
                    if (ch == '\n') {
                        c = Context.CODE;
                    }
                }
                case CODE -> {
                    if (ch == '\'') {
                        c = Context.STRING;
                    } else if (ch == '"') {
                        c = Context.IDENTIFIER;
                    } else if (ch == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                        c = Context.COMMENT;
                    }
                }
            }
        }
        return c;
    }
}
