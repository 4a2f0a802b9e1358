package dev.runbook.expr;

import dev.runbook.expr.ShellSite.Check;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;

/**
 * Splices values into shell text so that each is exactly one literal word, whatever the template
 * author placed around it. {@link ShellSurvey} says where each splice lands ({@link ShellSite});
 * this escapes the value for that place, or refuses it where no quoting keeps it literal: inside
 * {@code ${...}}, in text a command reads again as code ({@code eval}, {@code sh -c}), and, for a
 * value that is not an integer, in text the shell evaluates as arithmetic.
 */
public final class ShellQuoting {
    private static final Set<String> RESERVED = Set.of("if", "then", "else", "elif", "fi", "do", "done", "case", "esac",
            "while", "until", "for", "select", "in", "function", "time", "coproc");

    private ShellQuoting() {}

    /** {@code s} as one single-quoted shell word (or bare when it needs no quotes). */
    public static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || "@%+=:,./_-".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * {@code s} escaped to stay one literal word at {@code site}.
     *
     * @throws IllegalArgumentException where it cannot (the message says why, without the value when it must be hidden)
     */
    public static String splice(String s, ShellSite site) {
        refuse(site);
        if (site.check() != Check.NONE) {
            return backquoted(checked(s, site), site.backquotes());
        }
        String word = switch (site.kind()) {
            case BARE -> site.strictWord() ? strictWord(s) : quote(s);
            case COMMENT -> {
                if (s.contains("\n")) {
                    throw new IllegalArgumentException("a value with a line break cannot be spliced into a shell comment");
                }
                yield quote(s);
            }
            case SINGLE -> s.replace("'", "'\\''");
            // bash reads backslash escapes in $'...' and dash does not: close it, splice a word both read alike, reopen
            case ANSI_C -> "'" + quote(s) + "$'";
            case DOUBLE -> s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`");
            case HEREDOC -> s.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`");
            case QUOTED_HEREDOC -> s;
        };
        return backquoted(word, site.backquotes());
    }

    /** A reference to an environment variable holding a secret, expanded by the shell as one word. */
    public static String envRef(String var, ShellSite site) {
        refuse(site);
        if (site.check() != Check.NONE) {
            throw new IllegalArgumentException("a secret cannot be spliced into " + site.what()
                    + ", where the shell evaluates it as more than a word");
        }
        String ref = switch (site.kind()) {
            case BARE, COMMENT -> "\"${" + var + "}\"";
            case SINGLE -> "'\"${" + var + "}\"'";
            case ANSI_C -> "'\"${" + var + "}\"$'";
            case DOUBLE, HEREDOC -> "${" + var + "}";
            case QUOTED_HEREDOC -> throw new IllegalArgumentException(
                    "a secret cannot be spliced into a quoted here-document (<<'EOF'): nothing expands there; use <<EOF");
        };
        return backquoted(ref, site.backquotes());
    }

    private static void refuse(ShellSite site) {
        if (site.refusal() != null) {
            throw new IllegalArgumentException(site.refusal());
        }
    }

    /**
     * A word where the shell reads more than text into it when bare: a reserved word ({@code if}) or an
     * assignment ({@code A=b}) as a command's name, an option ({@code -x}) as the start of a command
     * line, an operator ({@code -n}, {@code ==}) in {@code [[ ]]}. Quoted, it is text.
     */
    private static String strictWord(String s) {
        String q = quote(s);
        boolean special = RESERVED.contains(s) || s.matches("[A-Za-z_][A-Za-z0-9_]*\\+?=.*") || s.matches("[-+=].*");
        return q.equals(s) && special ? "'" + s + "'" : q;
    }

    /** A value the shell evaluates: an integer (in decimal: no leading zeros, which would make it octal) or a name. */
    private static String checked(String s, ShellSite site) {
        String t = s.strip();
        if (site.check() == Check.NAME) {
            if (!t.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("a value spliced into " + site.what() + " must be a variable name, not "
                        + shown(s) + ": bash evaluates anything more");
            }
            return t;
        }
        if (!t.matches("[+-]?[0-9]+")) {
            throw new IllegalArgumentException("a value spliced into " + site.what() + " must be an integer, not "
                    + shown(s) + ": the shell evaluates it as arithmetic");
        }
        String n = new BigInteger(t).toString();
        return site.arithmetic() && n.startsWith("-") ? "(" + n + ")" : n;
    }

    private static String shown(String s) {
        String one = s.replace("\n", "\\n");
        return "'" + (one.length() > 40 ? one.substring(0, 40) + "..." : one) + "'";
    }

    /** Inside backquotes the shell removes one level of backslashes (and, in double quotes, {@code \"}) before it reads the command. */
    private static String backquoted(String word, List<Boolean> layers) {
        String w = word;
        for (boolean inDouble : layers) {
            w = w.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$");
            if (inDouble) {
                w = w.replace("\"", "\\\"");
            }
        }
        return w;
    }
}
