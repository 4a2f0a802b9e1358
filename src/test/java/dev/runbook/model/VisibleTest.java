package dev.runbook.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VisibleTest {
    @Test
    void writesControlCharactersOutAndLeavesTextTabsAndBackslashesAsTheyAre() {
        assertThat(Visible.line("a\tb ✓ ünï 日本 \\x \ufffd")).isEqualTo("a\tb ✓ ünï 日本 \\x \ufffd");
        assertThat(Visible.line("\u001b[2K\u001b]0;t\u0007\u0000\u007f")).isEqualTo("\\x1b[2K\\x1b]0;t\\x07\\x00\\x7f");
        assertThat(Visible.line("one\r\ntwo\n")).isEqualTo("one\\r\\ntwo\\n");
    }

    @Test
    void escapesC1ControlsAndMarksThatReorderOrBreakWhatIsShown() {
        assertThat(Visible.line("\u009b2J \u0085 \u202eevil\u202c \u2066x\u2069 \u2028")).isEqualTo("\\u009b2J \\u0085 \\u202eevil\\u202c \\u2066x\\u2069 \\u2028");
    }

    @Test
    void linesKeepLineFeedsOnlyAndNullStaysNull() {
        assertThat(Visible.lines("one\ntwo\r\n\u001b[1A")).isEqualTo("one\ntwo\\r\n\\x1b[1A");
        assertThat(Visible.line(null)).isNull();
    }

    @Test
    void escapingTwiceChangesNothingMore() {
        String once = Visible.line("\u001b[2J\n\\x1b");
        assertThat(Visible.line(once)).isEqualTo(once);
    }
}
