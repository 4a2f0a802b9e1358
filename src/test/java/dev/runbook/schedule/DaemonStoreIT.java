package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.schedule.Daemons.Fire;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered daemon whose PostgreSQL is away, a process of its own against a real server that the
 * test stops and starts: it starts and waits when the server is down, says so on {@code /health}
 * (503, degraded, the reason) and in one log line without a stack trace, fires again when the
 * server is back with the fires missed meanwhile caught up once; a server that refuses it (a wrong
 * password) keeps it from starting, exit 2, one line.
 */
class DaemonStoreIT {
    @TempDir
    Path home;

    @Test
    void aDaemonWaitsForItsDatabaseSaysItIsDegradedWhileItIsAwayAndCatchesUpWhenItIsBack() throws IOException {
        Daemons.write(home, "runbooks/tick.yaml", Daemons.pulseRunbook("tick"));
        Daemons.write(home, "schedules/tick.yaml", "id: tick\nrunbook: tick\ncron: \"* * * * * ?\"\nmisfire: run-once\n");
        try (Postgres own = Postgres.start()) {
            own.createDatabase("outage");
            own.stopTemporarily();
            Cli cli = Cli.in(home).withEnv("RUNBOOK_DAEMON_JDBC_PASSWORD", own.password()).withTimeout(Duration.ofSeconds(60));
            try (Daemons.Running d = Daemons.start(cli, "--node", "n1", "--jdbc-url", own.jdbcUrl("outage"), "--jdbc-user",
                    Postgres.SUPERUSER, "--checkin", "1s", "--misfire-after", "1s")) {
                String refused = "cannot reach PostgreSQL at 127.0.0.1:" + own.port() + "/outage: connection refused (user postgres)";
                assertDegraded(d, refused);

                own.restart();
                d.awaitFires(2, f -> true, Duration.ofSeconds(30));
                assertThat(d.get("/health").statusCode()).isEqualTo(200);

                own.stopTemporarily();
                Instant down = Instant.now();
                assertThat(dev.runbook.testing.Processes.eventually(Duration.ofSeconds(10), () -> d.get("/health").statusCode() == 503))
                        .as(d.output()).isTrue();
                assertThat(AuditLog.parse(d.get("/health").body()).path("status").asText()).isEqualTo("degraded");
                sleep(2500);
                Instant up = Instant.now();
                own.restart();
                d.awaitFires(1, f -> f.missedSince() != null, Duration.ofSeconds(30));
                d.awaitFires(1, f -> f.missedSince() == null && f.started().isAfter(up.plusSeconds(2)), Duration.ofSeconds(30));
                assertThat(d.get("/health").statusCode()).isEqualTo(200);
                Cli.Result stopped = d.stop(Duration.ofSeconds(60));
                assertThat(stopped.exitCode()).as(stopped.toString()).isZero();

                List<Fire> fires = d.fires();
                assertThat(fires).as("nothing fires while the database is away")
                        .noneMatch(f -> f.started().isAfter(down.plusSeconds(1)) && f.started().isBefore(up));
                // (a first fire Quartz took more than the 1 s --misfire-after to reach, at the very start, is made up too)
                assertThat(fires).filteredOn(f -> f.missedSince() != null && f.started().isAfter(down)).as("the fires missed meanwhile: one run")
                        .singleElement()
                        .satisfies(f -> {
                            assertThat(f.missedSince()).isBetween(down.minusSeconds(2), up);
                            assertThat(f.scheduledAt()).isAfter(f.missedSince()).isBefore(f.started());
                        });
                assertThat(stopped.stderr()).as("no stack traces").doesNotContain("\tat ").doesNotContain("Exception");
                assertThat(stopped.stdout()).contains("scheduler store: " + refused + "; nothing fires until it answers")
                        .contains("scheduler store: PostgreSQL answers again");
                assertThat(stopped.stdout().lines().filter(l -> l.contains("scheduler store: ") && !l.contains("answers again")))
                        .as("a line when it goes, not one per attempt").hasSizeBetween(2, 4);
            }
        }
    }

    @Test
    void aDaemonTheDatabaseRefusesDoesNotStartAndSaysWhoWasRefusedWhere() {
        Postgres pg = Postgres.shared();
        pg.createDatabase("refused");
        Daemons.write(home, "runbooks/tick.yaml", Daemons.pulseRunbook("tick"));
        Daemons.write(home, "schedules/tick.yaml", "id: tick\nrunbook: tick\ncron: \"* * * * * ?\"\n");
        Cli cli = Cli.in(home).withEnv("RUNBOOK_DAEMON_JDBC_PASSWORD", "not-" + pg.password()).withTimeout(Duration.ofSeconds(60));

        Cli.Result r = cli.run("daemon", "--listen", "127.0.0.1:0", "--jdbc-url", pg.jdbcUrl("refused"), "--jdbc-user", Postgres.SUPERUSER);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly("runbook: error: the daemon's clustered store: PostgreSQL at 127.0.0.1:" + pg.port()
                + "/refused refused the password of user 'postgres'");
        assertThat(r.stdout()).doesNotContain("started");
    }

    private static void assertDegraded(Daemons.Running d, String reason) {
        var health = d.get("/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
        JsonNode h = AuditLog.parse(health.body());
        assertThat(h.path("status").asText()).isEqualTo("degraded");
        assertThat(h.path("reason").asText()).isEqualTo(reason);
        assertThat(d.fires()).isEmpty();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
