package dev.runbook.bench;

import dev.runbook.schedule.Daemons;
import dev.runbook.schedule.Daemons.Fire;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler daemon's figures: fire delay (scheduled time to {@code run.started}) in memory and
 * clustered, duplicate and missing fires, and failover time after {@code kill -9}. Daemons run from
 * the jar the way the launcher starts them, each with its own working directory and state; every
 * figure is computed from their audit files.
 *
 * <pre>
 * java -cp CLASSPATH dev.runbook.bench.SchedulerBench JAR [SECONDS] [FAILOVER_ROUNDS] [CHECKIN]...
 * </pre>
 *
 * Three schedules fire every second for SECONDS (default 120) in each of the fire-delay scenarios;
 * FAILOVER_ROUNDS (default 3) kills per check-in interval (default 5s and 2s). PostgreSQL is the
 * test fixture's (system binaries, fsync off). Bench/scheduler-bench.sh builds and runs it.
 */
public final class SchedulerBench {
    private static final String[] PULSES = {"alpha", "beta", "gamma"};
    private static final List<String> JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xss1m",
            "-Djdk.lang.Process.launchMechanism=VFORK");

    private final Path jar;
    private final Path work;
    private final Postgres pg;
    private int databases;

    private SchedulerBench(Path jar, Path work, Postgres pg) {
        this.jar = jar;
        this.work = work;
        this.pg = pg;
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "target/runbook.jar").toAbsolutePath();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> checkins = args.length > 3 ? List.of(args).subList(3, args.length) : List.of("5s", "2s");
        System.out.printf("scheduler bench: %s, %d cores, %s%n", jar, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        try (Postgres pg = Postgres.start()) {
            SchedulerBench b = new SchedulerBench(jar, Files.createTempDirectory("scheduler-bench-"), pg);
            b.inMemory(seconds);
            b.clustered(seconds);
            for (String checkin : checkins) {
                b.failover(rounds, checkin);
            }
        }
    }

    private void inMemory(int seconds) throws Exception {
        Path home = home("memory");
        Process d = start(home, List.of("--node", "solo"));
        Thread.sleep(seconds * 1000L);
        stop(d);
        List<Fire> fires = Daemons.fires(home.resolve("state/audit.jsonl"));
        report("in memory, 1 daemon", fires);
    }

    private void clustered(int seconds) throws Exception {
        String db = database();
        Path a = home("cluster-a");
        Path b = home("cluster-b");
        Process pa = launch(a, clusterArgs(db, "node-a", "5s"));
        Process pb = launch(b, clusterArgs(db, "node-b", "5s"));
        awaitStarted(a, pa);
        awaitStarted(b, pb);
        Thread.sleep(seconds * 1000L);
        stop(pa);
        stop(pb);
        List<Fire> fa = Daemons.fires(a.resolve("state/audit.jsonl"));
        List<Fire> fb = Daemons.fires(b.resolve("state/audit.jsonl"));
        List<Fire> all = new ArrayList<>(fa);
        all.addAll(fb);
        report("clustered, 2 daemons started at once (node-a " + fa.size() + " fires, node-b " + fb.size() + ")", all);
    }

    private void failover(int rounds, String checkin) throws Exception {
        List<Double> times = new ArrayList<>();
        int duplicates = 0;
        int missed = 0;
        for (int round = 1; round <= rounds; round++) {
            String db = database();
            Path v = home("victim-" + checkin + "-" + round);
            Path s = home("survivor-" + checkin + "-" + round);
            Process pv = launch(v, clusterArgs(db, "victim", checkin));
            Process ps = launch(s, clusterArgs(db, "survivor", checkin));
            awaitStarted(v, pv);
            awaitStarted(s, ps);
            awaitFires(v, 6);
            awaitFires(s, 6);
            Instant killedAt = Instant.now();
            pv.destroyForcibly();  // SIGKILL
            pv.waitFor(10, TimeUnit.SECONDS);
            Instant past = killedAt.plusSeconds(30);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < end && Daemons.bySchedule(Daemons.fires(s.resolve("state/audit.jsonl"))).values().stream()
                    .filter(of -> of.stream().anyMatch(f -> f.scheduledAt().isAfter(past))).count() < PULSES.length) {
                Thread.sleep(500);
            }
            stop(ps);
            List<Fire> all = new ArrayList<>(Daemons.fires(v.resolve("state/audit.jsonl")));
            all.addAll(Daemons.fires(s.resolve("state/audit.jsonl")));
            Map<String, Duration> resumed = Daemons.resumedAfterKill(all, killedAt);
            double failover = resumed.values().stream().mapToLong(Duration::toMillis).max().orElse(-1) / 1000.0;
            Daemons.Account account = Daemons.account(all);
            times.add(failover);
            duplicates += account.duplicateCount();
            missed += account.missingCount();
            System.out.printf("  failover round %d (--checkin %s): %.1f s until every schedule fired again %s; %d fires, %d duplicate, %d missed%n",
                    round, checkin, failover, resumed, all.size(), account.duplicateCount(), account.missingCount());
        }
        times.sort(Double::compare);
        System.out.printf("failover after kill -9, --checkin %s: %d rounds, min %.1f s, median %.1f s, max %.1f s; duplicate fires %d, missed %d%n",
                checkin, rounds, times.get(0), times.get(times.size() / 2), times.get(times.size() - 1), duplicates, missed);
    }

    /** Every fire, and apart those after the first 5 s (the JVM warms up while the first fires run). */
    private static void report(String scenario, List<Fire> fires) {
        Instant first = fires.stream().map(Fire::scheduledAt).min(Instant::compareTo).orElseThrow();
        List<Fire> steady = fires.stream().filter(f -> !f.scheduledAt().isBefore(first.plusSeconds(5))).toList();
        Daemons.Account account = Daemons.account(fires);
        System.out.printf("%s: %d fires, delay %s; after the first 5 s: %s; duplicate fires %d, missed %d %s%n", scenario,
                fires.size(), delays(fires), delays(steady), account.duplicateCount(), account.missingCount(),
                account.duplicates().isEmpty() ? "" : account.duplicates().toString());
    }

    private static String delays(List<Fire> fires) {
        List<Double> d = fires.stream().map(Fire::delaySeconds).sorted().toList();
        return String.format("median %.0f ms, p99 %.0f ms, max %.0f ms", 1000 * rank(d, 0.5), 1000 * rank(d, 0.99), 1000 * d.get(d.size() - 1));
    }

    /** Nearest-rank percentile of sorted values. */
    private static double rank(List<Double> sorted, double p) {
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private String database() {
        String db = "bench_" + (++databases);
        pg.createDatabase(db);
        return db;
    }

    private List<String> clusterArgs(String db, String node, String checkin) {
        return List.of("--node", node, "--checkin", checkin, "--jdbc-url", pg.jdbcUrl(db), "--jdbc-user", Postgres.SUPERUSER);
    }

    /** A working directory with three schedules firing every second, each on its own runbook. */
    private Path home(String name) {
        Path home = work.resolve(name);
        for (String p : PULSES) {
            Daemons.write(home, "runbooks/pulse-" + p + ".yaml", Daemons.pulseRunbook("pulse-" + p));
            Daemons.write(home, "schedules/" + p + ".yaml", "id: " + p + "\nrunbook: pulse-" + p + "\ncron: \"* * * * * ?\"\noverlap: wait\n");
        }
        return home;
    }

    private Process start(Path home, List<String> args) throws Exception {
        Process p = launch(home, args);
        awaitStarted(home, p);
        return p;
    }

    private Process launch(Path home, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JVM);
        cmd.addAll(List.of("-jar", jar.toString(), "daemon", "--listen", "127.0.0.1:0"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("daemon.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RUNBOOK_"));
        pb.environment().put("RUNBOOK_STATE", home.resolve("state").toString());
        pb.environment().put("RUNBOOK_DAEMON_JDBC_PASSWORD", pg.password());
        return pb.start();
    }

    private static void awaitStarted(Path home, Process p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end && p.isAlive()) {
            if (Files.readString(home.resolve("daemon.log"), StandardCharsets.UTF_8).contains(" started: ")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the daemon in " + home + " did not start:\n" + Files.readString(home.resolve("daemon.log")));
    }

    private static void awaitFires(Path home, int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end && Daemons.fires(home.resolve("state/audit.jsonl")).size() < n) {
            Thread.sleep(100);
        }
    }

    private static void stop(Process p) throws Exception {
        p.destroy();  // SIGTERM
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("a daemon did not stop within 60 s of SIGTERM");
        }
    }
}
