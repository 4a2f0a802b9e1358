package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runbook list: each runbook on the search path with its params, as they are given on the command line. */
class ListIT {
    @TempDir
    Path home;

    @Test
    void anEmptyDefaultIsShownAsAnEmptyString() throws IOException {
        Files.createDirectories(home.resolve("runbooks"));
        Files.writeString(home.resolve("runbooks/notes.yaml"), """
                name: notes
                description: Leave a note
                params:
                  note: {type: string, default: ""}
                  who: {type: string, default: ops}
                  where: {type: string, required: true}
                steps:
                  - id: say
                    run: echo {{ params.note }}
                """);

        Cli.Result r = Cli.in(home).run("list");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("-p note=<string> (default \"\")").contains("-p who=<string> (default ops)")
                .contains("-p where=<string> (required)").doesNotContain("(default )");
    }
    @Test
    void anEnumShowsItsValuesAndAWrappedDescriptionItsFirstSentenceWhole() throws IOException {
        Files.createDirectories(home.resolve("runbooks"));
        Files.writeString(home.resolve("runbooks/recover.yaml"), """
                description: |
                  Bring the stack back: read every service, then restart the ones that are down, and the
                  ones that answer slowly, in dependency order. Nothing is restarted without a gate.
                params:
                  mode: {type: enum, values: [unhealthy, down, all], default: unhealthy}
                steps:
                  - id: say
                    run: echo {{ params.mode }}
                """);

        Cli.Result r = Cli.in(home).run("list");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().lines()).containsExactly(
                String.format("%-24s %s", "recover", "Bring the stack back: read every service, then restart the ones that are down, "
                        + "and the ones that answer slowly, in dependency order."),
                String.format("%-24s   -p mode=<unhealthy|down|all> (default unhealthy)", ""));
    }
}
