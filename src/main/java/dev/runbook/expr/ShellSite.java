package dev.runbook.expr;

import java.util.List;

/**
 * Where one {@code {{ }}} of a shell template lands, as {@link ShellLexer} reads it from the
 * template's literal text alone (so {@code validate} sees the same as a run).
 *
 * @param kind        the quoting around the splice
 * @param refusal     why nothing may be spliced here, whatever the value; null where a value may be
 * @param check       what the value itself must be, because the shell evaluates it beyond its quoting
 * @param what        the construct that evaluates it, for messages ({@code $(( ))}, {@code [[ -eq ]]})
 * @param arithmetic  the splice stands in arithmetic text itself, not in a word inside it
 * @param strictWord  the splice starts a word the shell reads for more than its text when it is
 *                    bare: the command's name (a reserved word, an assignment, an option of
 *                    {@code sh -c}) or an operand of {@code [[ ]]} (an operator such as {@code -n})
 * @param backquotes  for each backquote substitution around the splice, from the innermost out,
 *                    whether it stands inside double quotes
 */
public record ShellSite(Kind kind, String refusal, Check check, String what, boolean arithmetic, boolean strictWord,
                        List<Boolean> backquotes) {

    /** The quoting a value is spliced into. */
    public enum Kind { BARE, SINGLE, ANSI_C, DOUBLE, COMMENT, HEREDOC, QUOTED_HEREDOC }

    /** What the value must be where the shell reads it as more than a word. */
    public enum Check { NONE, INTEGER, NAME }

    public ShellSite {
        backquotes = List.copyOf(backquotes);
    }
}
