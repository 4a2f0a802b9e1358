package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class ConsoleTest {
    @Test
    void durationsBelowASecondInMillisecondsAboveInTenthsOfASecondRoundedHalfUp() {
        assertThat(Console.seconds(0)).isEqualTo("0 ms");
        assertThat(Console.seconds(999L)).isEqualTo("999 ms");
        assertThat(Console.seconds(1000)).isEqualTo("1.0 s");
        assertThat(Console.seconds(1049)).isEqualTo("1.0 s");
        assertThat(Console.seconds(1050)).isEqualTo("1.1 s");
        assertThat(Console.seconds(9999)).isEqualTo("10.0 s");
        assertThat(Console.seconds(61234L)).isEqualTo("61.2 s");
        assertThat(Console.seconds(null)).isEqualTo("0 ms");
    }

    @Test
    void aDecimalPointWhateverTheLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(Console.seconds(2345)).isEqualTo("2.3 s");
        } finally {
            Locale.setDefault(before);
        }
    }
}
