package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.testing.Postgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run locks across machines: each process has a state directory of its own (as on separate
 * machines), so only PostgreSQL can keep them apart.
 */
class RunLocksIT {
    static final Postgres PG = Postgres.shared();

    @TempDir
    Path dir;

    String db;
    Path runbook;

    @BeforeEach
    void setUp() throws IOException {
        db = PgTesting.freshDatabase(PG);
        runbook = Files.writeString(dir.resolve("hold.yaml"), """
                name: hold-the-line
                params:
                  seconds: {type: string, default: "60"}
                steps:
                  - id: hold
                    run: sleep {{ params.seconds }}
                """);
    }

    /** A process on a "machine" of its own: its own working directory, configuration and state. */
    ProcessBuilder machine(String name, String... params) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        Files.writeString(home.resolve("runbook.yaml"), "audit:\n  url: " + PG.jdbcUrl(db) + "\n  user: postgres\n  password: env:PW\n");
        String[] args = new String[params.length + 1];
        args[0] = runbook.toString();
        System.arraycopy(params, 0, args, 1, params.length);
        return PgTesting.worker(RunWorker.class, Map.of("RUNBOOK_STATE", home.resolve("state").toString(), "PW", PG.password()), args)
                .directory(home.toFile());
    }

    static BufferedReader awaitLine(Process p, String text) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains(text)) {
                return out;
            }
        }
        throw new AssertionError("the process ended before printing '" + text + "': " + new String(p.getErrorStream().readAllBytes()));
    }

    @Test
    void aSecondMachineGetsExitFourNamingTheFirst() throws Exception {
        Process first = machine("alpha").start();
        try {
            awaitLine(first, "step.started hold");

            Process second = machine("beta", "seconds=0").start();
            String out = PgTesting.await(second, Duration.ofMinutes(1));

            assertThat(second.exitValue()).as(out).isEqualTo(4);
            assertThat(out).contains("runbook 'hold-the-line' on localhost is already running")
                    .contains("pid " + first.pid()).contains("user " + System.getProperty("user.name"))
                    .containsPattern("run \\d{8}-\\d{6}-[0-9a-f]{6} \\(pid").doesNotContain("Exception");
            assertThat(out).doesNotContain(PG.password());
            assertThat(first.isAlive()).isTrue();
        } finally {
            PgTesting.killTree(first);
        }
    }

    @Test
    void aHolderKilledWithSigkillIsTakenOverAndTheTakeoverAudited() throws Exception {
        Process first = machine("alpha").start();
        awaitLine(first, "step.started hold");
        String firstRun = PG.query(db, "SELECT run_id FROM runbook.run_locks").get(0).get("run_id").toString();
        PgTesting.killTree(first);

        Process second = machine("beta", "seconds=0").start();
        String out = PgTesting.await(second, Duration.ofMinutes(1));

        assertThat(second.exitValue()).as(out).isZero();
        try (PgAuditReader reader = new PgAuditReader(PgTesting.settings(PG, db))) {
            AuditEvent started = reader.run("last").get(0);
            assertThat(started.type()).isEqualTo("run.started");
            @SuppressWarnings("unchecked")
            Map<String, Object> takeover = (Map<String, Object>) started.data().get("lock_taken_over_from");
            assertThat(takeover).as(started.data().toString()).isNotNull();
            assertThat(takeover.get("run_id")).isEqualTo(firstRun);
            assertThat(takeover.get("pid")).isEqualTo(first.pid());
        }
        assertThat(PG.query(db, "SELECT * FROM runbook.run_locks")).as("released at the end of the run").isEmpty();
    }

    @Test
    void locksOfOtherRunbooksOrTargetsDoNotExcludeEachOther() throws Exception {
        PgRunLocks locks = new PgRunLocks(PgTesting.settings(PG, db), new dev.runbook.engine.FileRunLocks(dir.resolve("l1")), m -> { });
        PgRunLocks other = new PgRunLocks(PgTesting.settings(PG, db), new dev.runbook.engine.FileRunLocks(dir.resolve("l2")), m -> { });
        var me = new dev.runbook.engine.RunLocks.Holder(1, "a", "m1", "2025-01-01T00:00:00Z", "r1");
        var you = new dev.runbook.engine.RunLocks.Holder(2, "b", "m2", "2025-01-01T00:00:00Z", "r2");

        try (var a = locks.acquire("deploy", "web-1", me); var b = other.acquire("deploy", "web-2", you);
             var c = other.acquire("backup", "web-1", you)) {
            assertThat(List.of(a, b, c)).allMatch(l -> l.takenOverFrom() == null);
        }
        try (var again = other.acquire("deploy", "web-1", you)) {
            assertThat(again.takenOverFrom()).as("released cleanly: nothing to take over").isNull();
        }
    }

    @Test
    void withPostgresUnreachableTheRunIsLockedOnThisMachineOnlyAndSaysSo() {
        PgSettings down = new PgSettings("jdbc:postgresql://127.0.0.1:1/nope", "postgres", () -> "x", "runbook", Duration.ofSeconds(2));
        List<String> notices = new java.util.ArrayList<>();
        PgRunLocks locks = new PgRunLocks(down, new dev.runbook.engine.FileRunLocks(dir.resolve("locks")), notices::add);

        try (var lease = locks.acquire("deploy", "localhost", new dev.runbook.engine.RunLocks.Holder(1, "a", "m", "t", "r"))) {
            assertThat(lease).isNotNull();
            assertThat(notices).containsExactly("run lock: cannot reach PostgreSQL at 127.0.0.1:1/nope: connection refused;"
                    + " this run is locked on this machine only");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> locks.acquire("deploy", "localhost",
                    new dev.runbook.engine.RunLocks.Holder(2, "b", "m", "t", "r2")))
                    .as("the local lock still holds").isInstanceOf(dev.runbook.engine.LockedException.class);
        }
    }
}
