package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.schedule.Daemons.Fire;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import dev.runbook.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daemons sharing their schedules through Quartz's clustered job store on a real PostgreSQL, each
 * daemon a JVM of its own with its own working directory and state (so its own audit file): every
 * trigger fires once cluster-wide; a node killed with SIGKILL has its schedules taken over; fires
 * missed while no daemon ran follow the schedule's misfire policy.
 *
 * <p>Every fire is counted by the {@code scheduled_at} its {@code run.started} event records.
 */
class ClusterIT {
    static final String[] PULSES = {"alpha", "beta", "gamma"};

    static Postgres pg;

    @TempDir
    Path root;

    @BeforeAll
    static void postgres() {
        pg = Postgres.shared();
    }

    @Test
    void twoDaemonsStartedAtOnceOnAFreshDatabaseFireEveryTriggerExactlyOnce() throws InterruptedException {
        String db = "cluster_exactly_once";
        pg.createDatabase(db);
        List<Fire> fires = new ArrayList<>();
        try (Daemons.Running a = Daemons.launch(node("node-a"), pulses(db, "node-a"));
             Daemons.Running b = Daemons.launch(node("node-b"), pulses(db, "node-b"))) {
            a.awaitStarted();
            b.awaitStarted();
            // 45 s of a fire a second per schedule: the race is at the start, on the fresh database
            long end = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                assertThat(a.isAlive() && b.isAlive()).as("both daemons keep running\n%s\n%s", a.output(), b.output()).isTrue();
            }
            for (Daemons.Running d : List.of(a, b)) {
                d.process().signal("TERM");
            }
            for (Daemons.Running d : List.of(a, b)) {
                Cli.Result r = d.process().await(Duration.ofSeconds(60));
                assertThat(r.exitCode()).as(r.toString()).isZero();
            }
            assertThat(a.fires()).allSatisfy(f -> assertThat(f.user()).isEqualTo("schedule@node-a"));
            assertThat(b.fires()).allSatisfy(f -> assertThat(f.user()).isEqualTo("schedule@node-b"));
            assertThat(a.fires()).as("node-a fired its share").isNotEmpty();
            assertThat(b.fires()).as("node-b fired its share").isNotEmpty();
            fires.addAll(a.fires());
            fires.addAll(b.fires());
            System.out.printf("exactly once: node-a fired %d, node-b %d%n", a.fires().size(), b.fires().size());
        }

        Daemons.Account account = Daemons.account(fires);
        assertThat(account.fires()).containsOnlyKeys(PULSES).allSatisfy((schedule, n) -> assertThat(n).isGreaterThanOrEqualTo(38));
        assertThat(account.duplicates()).as("scheduled times fired twice").isEmpty();
        assertThat(account.missing()).as("seconds no node fired").isEmpty();
    }

    @Test
    void whenADaemonIsKilledTheOtherTakesOverItsSchedules() throws InterruptedException {
        String db = "cluster_failover";
        pg.createDatabase(db);
        Instant killedAt;
        List<Fire> victimFires;
        List<Fire> survivorFires;
        try (Daemons.Running victim = Daemons.launch(node("victim"), pulses(db, "victim"));
             Daemons.Running survivor = Daemons.launch(node("survivor"), pulses(db, "survivor"))) {
            victim.awaitStarted();
            survivor.awaitStarted();
            victim.awaitFires(6, f -> true, Duration.ofSeconds(30));
            survivor.awaitFires(6, f -> true, Duration.ofSeconds(30));

            killedAt = Instant.now();
            victim.process().signal("KILL");
            assertThat(victim.process().await(Duration.ofSeconds(10)).exitCode()).isEqualTo(128 + 9);

            // taken over: every schedule fires on the survivor again, well past any check-in window
            Instant past = killedAt.plusSeconds(20);
            boolean resumed = Processes.eventually(Duration.ofSeconds(60), () -> Daemons.bySchedule(survivor.fires()).values().stream()
                    .filter(of -> of.stream().anyMatch(f -> f.scheduledAt().isAfter(past))).count() == PULSES.length);
            assertThat(resumed).as("the survivor fires every schedule after the kill\n%s", survivor.output()).isTrue();
            Cli.Result r = survivor.stop(Duration.ofSeconds(60));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            victimFires = victim.fires();
            survivorFires = survivor.fires();
        }

        assertThat(victimFires).as("the victim fired before it was killed").isNotEmpty()
                .allSatisfy(f -> assertThat(f.started()).isBefore(killedAt.plusMillis(500)));
        List<Fire> all = new ArrayList<>(victimFires);
        all.addAll(survivorFires);
        Map<String, Duration> resumed = Daemons.resumedAfterKill(all, killedAt);
        assertThat(resumed).containsOnlyKeys(PULSES);
        Duration failover = resumed.values().stream().max(Duration::compareTo).orElseThrow();
        System.out.printf("failover: kill -9 to each schedule firing again %s (longest %.1f s)%n", resumed, failover.toMillis() / 1000.0);
        Daemons.Account account = Daemons.account(all);
        assertThat(account.duplicates()).as("scheduled times fired twice").isEmpty();
        assertThat(account.missingOutside(killedAt.minusSeconds(2), killedAt.plus(failover).plusSeconds(1)))
                .as("seconds missed other than while the cluster noticed the death").isEmpty();
    }

    @Test
    void daemonsConfiguredWithThePostgresAuditStoreKeepTheirSchedulesAndAuditThereEachFireOnce() throws Exception {
        String db = "cluster_configured";
        pg.createDatabase(db);
        String config = """
                audit:
                  store: postgres
                  url: %s
                  user: %s
                  password: env:RUNBOOK_TEST_PG_PASSWORD
                """.formatted(pg.jdbcUrl(db), Postgres.SUPERUSER);
        List<Daemons.Running> daemons = new ArrayList<>();
        try {
            for (String node : List.of("conf-a", "conf-b")) {
                writePulses(root.resolve(node));
                Daemons.write(root.resolve(node), "runbook.yaml", config);
                daemons.add(Daemons.launch(configured(node), "--node", node));  // no --jdbc-url: the audit store's database
            }
            for (Daemons.Running d : daemons) {
                d.awaitStarted();
                assertThat(d.process().stdout()).contains("clustered PostgreSQL store");
            }
            Thread.sleep(20_000);
            for (Daemons.Running d : daemons) {
                Cli.Result r = d.stop(Duration.ofSeconds(60));
                assertThat(r.exitCode()).as(r.toString()).isZero();
            }
        } finally {
            daemons.forEach(Daemons.Running::close);
        }

        Path export = root.resolve("export.jsonl");
        Cli.Result exported = configured("conf-a").run("audit", "export", "-o", export.toString());
        assertThat(exported.exitCode()).as(exported.toString()).isZero();
        List<Fire> fires = Daemons.fires(export);
        assertThat(fires).extracting(Fire::user).contains("schedule@conf-a", "schedule@conf-b");
        Daemons.Account account = Daemons.account(fires);
        assertThat(account.fires()).containsOnlyKeys(PULSES).allSatisfy((schedule, n) -> assertThat(n).isGreaterThanOrEqualTo(15));
        assertThat(account.duplicates()).as("scheduled times fired twice").isEmpty();
        assertThat(account.missing()).as("seconds no node fired").isEmpty();
        // Quartz's tables live in the audit store's schema, not in public
        assertThat(pg.queryValue(db, "SELECT count(*) FROM runbook.qrtz_triggers")).isEqualTo((long) PULSES.length);
    }

    @Test
    void aFireMissedWhileNoDaemonRanRunsOnceOrIsSkippedAsTheScheduleSays() throws InterruptedException {
        String db = "cluster_misfire";
        pg.createDatabase(db);
        // one fire a day, a few seconds from now: the daemon is stopped before it and back after it
        Instant fireAt = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
        ZonedDateTime t = fireAt.atZone(ZoneOffset.UTC);
        String cron = t.getSecond() + " " + t.getMinute() + " " + t.getHour() + " * * ?";
        Path home = root.resolve("solo");
        Daemons.write(home, "runbooks/catch-up.yaml", Daemons.pulseRunbook("catch-up"));
        Daemons.write(home, "runbooks/skip-missed.yaml", Daemons.pulseRunbook("skip-missed"));
        Daemons.write(home, "schedules/daily.yaml", """
                schedules:
                  - {id: catch-up, runbook: catch-up, cron: "%1$s", time_zone: UTC, misfire: run-once}
                  - {id: skip-missed, runbook: skip-missed, cron: "%1$s", time_zone: UTC, misfire: skip}
                """.formatted(cron));
        Cli cli = node("solo");
        String[] args = concat(args(db, "solo"), "--misfire-after", "1s");

        try (Daemons.Running first = Daemons.start(cli, args)) {
            Cli.Result r = first.stop(Duration.ofSeconds(30));
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        assertThat(Instant.now()).as("the first daemon stopped before the fire time (a slow machine?)").isBefore(fireAt);
        sleepUntil(fireAt.plusSeconds(1 + 2));
        Instant restarted = Instant.now();
        List<Fire> fires;
        try (Daemons.Running second = Daemons.start(cli, args)) {
            second.awaitFires(1, f -> f.schedule().equals("catch-up"), Duration.ofSeconds(30));
            Thread.sleep(3000);
            Cli.Result r = second.stop(Duration.ofSeconds(30));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            fires = second.fires();
        }

        assertThat(fires).filteredOn(f -> f.schedule().equals("catch-up")).as("run-once: one run for the missed fire").singleElement()
                .satisfies(f -> {
                    assertThat(f.started()).as("the fire happens when the daemon is back").isAfter(restarted);
                    assertThat(f.scheduledAt()).as("audited as the fire it makes up for").isEqualTo(fireAt);
                    assertThat(f.missedSince()).as("marked as a catch-up").isEqualTo(fireAt);
                });
        assertThat(fires).filteredOn(f -> f.schedule().equals("skip-missed")).as("skip: no run for the missed fire").isEmpty();
    }

    @Test
    void aNodeStartedWithOtherSchedulesStandsByWithoutTouchingTheClustersAndFiresOnceItsFilesMatch() throws java.io.IOException {
        String db = "cluster_own_schedules";
        pg.createDatabase(db);
        Path homeA = root.resolve("keeper");
        Path homeB = root.resolve("stray");
        Daemons.write(homeA, "runbooks/pulse-alpha.yaml", Daemons.pulseRunbook("pulse-alpha"));
        Daemons.write(homeA, "schedules/alpha.yaml", "id: alpha\nrunbook: pulse-alpha\ncron: \"* * * * * ?\"\n");
        Daemons.write(homeB, "runbooks/pulse-alpha.yaml", Daemons.pulseRunbook("pulse-alpha"));
        Daemons.write(homeB, "runbooks/pulse-beta.yaml", Daemons.pulseRunbook("pulse-beta"));
        Daemons.write(homeB, "schedules/beta.yaml", "id: beta\nrunbook: pulse-beta\ncron: \"* * * * * ?\"\n");

        try (Daemons.Running a = Daemons.start(node("keeper"), concat(args(db, "keeper"), "--checkin", "1s"));
             Daemons.Running b = Daemons.start(node("stray"), concat(args(db, "stray"), "--checkin", "1s"))) {
            Instant joined = Instant.now();
            var health = b.get("/health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
            assertThat(AuditLog.parse(health.body()).path("status").asText()).isEqualTo("standby");
            assertThat(AuditLog.parse(health.body()).path("reason").asText()).contains("(nodes keeper)")
                    .contains("alpha only in the cluster").contains("beta only here");
            assertThat(b.process().stdout()).contains("standing by: its schedules differ from those cluster 'runbook' fires");
            a.awaitFires(2, f -> f.scheduledAt().isAfter(joined.plusSeconds(1)), Duration.ofSeconds(30));
            assertThat(a.get("/health").statusCode()).isEqualTo(200);
            assertThat(pg.queryValue(db, "SELECT string_agg(trigger_name, ',') FROM qrtz_triggers")).as("the store as the keeper made it")
                    .isEqualTo("alpha");
            assertThat(b.fires()).as("a node standing by fires nothing").isEmpty();

            // its files made the same as the cluster's: it reloads them, and fires its share
            Daemons.write(homeB, "schedules/alpha.yaml", "id: alpha\nrunbook: pulse-alpha\ncron: \"* * * * * ?\"\n");
            java.nio.file.Files.delete(homeB.resolve("schedules/beta.yaml"));
            b.process().awaitOutput("this node's schedules are the cluster's now; it fires", Duration.ofSeconds(20));
            assertThat(b.get("/health").statusCode()).isEqualTo(200);
            // the node that fires first keeps taking each next fire while it runs: the other gets them once it stops
            assertThat(a.stop(Duration.ofSeconds(60)).exitCode()).isZero();
            b.awaitFires(1, f -> f.schedule().equals("alpha"), Duration.ofSeconds(30));
            assertThat(b.stop(Duration.ofSeconds(60)).exitCode()).isZero();
        }
    }

    /** A node whose runbook.yaml names the PostgreSQL audit store, its password in the environment. */
    private Cli configured(String name) {
        return Cli.in(root.resolve(name)).withEnv("RUNBOOK_TEST_PG_PASSWORD", pg.password()).withTimeout(Duration.ofSeconds(60));
    }

    private Cli node(String name) {
        return Cli.in(root.resolve(name)).withEnv("RUNBOOK_DAEMON_JDBC_PASSWORD", pg.password()).withTimeout(Duration.ofSeconds(60));
    }

    /** A node's working directory with the three every-second schedules, and its daemon's arguments. */
    private String[] pulses(String db, String node) {
        writePulses(root.resolve(node));
        return args(db, node);
    }

    private static void writePulses(Path home) {
        for (String p : PULSES) {
            Daemons.write(home, "runbooks/pulse-" + p + ".yaml", Daemons.pulseRunbook("pulse-" + p));
            Daemons.write(home, "schedules/" + p + ".yaml", "id: " + p + "\nrunbook: pulse-" + p + "\ncron: \"* * * * * ?\"\noverlap: wait\n");
        }
    }

    private String[] args(String db, String node) {
        return new String[] {"--node", node, "--jdbc-url", pg.jdbcUrl(db), "--jdbc-user", Postgres.SUPERUSER};
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static void sleepUntil(Instant t) throws InterruptedException {
        long ms = Duration.between(Instant.now(), t).toMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }
}
