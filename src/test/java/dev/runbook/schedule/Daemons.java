package dev.runbook.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code runbook daemon} as a user runs it: a JVM of its own in a working directory holding
 * {@code runbooks/} and {@code schedules/}, with its own state directory; and its fires read back
 * from the audit file, as a script reading the JSONL would.
 */
public final class Daemons {
    private static final Pattern PORT = Pattern.compile("http://[^:/]+:(\\d+)/health");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Daemons() {}

    /**
     * One fire of a schedule, as its {@code run.started} event tells it.
     *
     * @param missedSince for a run that makes up for missed fires, the first of them; else null
     */
    public record Fire(String schedule, Instant scheduledAt, Instant started, String runId, String user, String via, Instant missedSince) {
        /** Scheduled time to {@code run.started}, in seconds. */
        public double delaySeconds() {
            return Duration.between(scheduledAt, started).toNanos() / 1e9;
        }
    }

    /** Every scheduled run started in an audit file, in file order; manual runs are left out. */
    public static List<Fire> fires(Path auditFile) {
        if (!Files.exists(auditFile)) {
            return List.of();
        }
        List<Fire> out = new ArrayList<>();
        for (JsonNode e : AuditLog.ofType(auditFile, "run.started")) {
            String trigger = e.path("data").path("trigger").asText("");
            if (!trigger.startsWith("schedule:")) {
                continue;
            }
            out.add(new Fire(trigger.substring("schedule:".length()), Instant.parse(e.path("data").path("scheduled_at").asText()),
                    Instant.parse(e.path("ts").asText()), e.path("run_id").asText(), e.path("actor").path("user").asText(),
                    e.path("actor").path("via").asText(), e.path("data").hasNonNull("missed_since")
                    ? Instant.parse(e.path("data").path("missed_since").asText()) : null));
        }
        return out;
    }

    /** The fires of each schedule, by schedule id. */
    public static Map<String, List<Fire>> bySchedule(List<Fire> fires) {
        Map<String, List<Fire>> out = new TreeMap<>();
        fires.forEach(f -> out.computeIfAbsent(f.schedule(), k -> new ArrayList<>()).add(f));
        return out;
    }

    /**
     * What a set of fires of every-second schedules says about exactly-once: per schedule, the
     * scheduled times fired more than once, and the seconds between its first and last fire that
     * no fire covers.
     */
    public record Account(Map<String, Integer> fires, Map<String, List<Instant>> duplicates, Map<String, List<Instant>> missing) {
        public int duplicateCount() {
            return duplicates.values().stream().mapToInt(List::size).sum();
        }

        public int missingCount() {
            return missing.values().stream().mapToInt(List::size).sum();
        }

        /** The seconds missing outside {@code [from, to]}. */
        public List<Instant> missingOutside(Instant from, Instant to) {
            return missing.values().stream().flatMap(List::stream).filter(t -> t.isBefore(from) || t.isAfter(to)).toList();
        }
    }

    /** Accounts for the fires of schedules that fire every second (from the audits of all nodes together). */
    public static Account account(List<Fire> fires) {
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, List<Instant>> duplicates = new TreeMap<>();
        Map<String, List<Instant>> missing = new TreeMap<>();
        bySchedule(fires).forEach((schedule, of) -> {
            counts.put(schedule, of.size());
            java.util.TreeSet<Instant> seen = new java.util.TreeSet<>();
            for (Fire f : of) {
                if (!seen.add(f.scheduledAt())) {
                    duplicates.computeIfAbsent(schedule, k -> new ArrayList<>()).add(f.scheduledAt());
                }
            }
            for (Instant t = seen.first(); t.isBefore(seen.last()); t = t.plusSeconds(1)) {
                if (!seen.contains(t)) {
                    missing.computeIfAbsent(schedule, k -> new ArrayList<>()).add(t);
                }
            }
        });
        return new Account(counts, duplicates, missing);
    }

    /**
     * After a node was killed at {@code killedAt}: per schedule, how long from the kill until the
     * schedule fired again after its longest silence. The dead node had usually acquired the next
     * fire of one schedule; no other node fires it until the cluster notices the death (a missed
     * check-in), and the fires late by more than the misfire threshold are skipped. A schedule that
     * never went silent counts from the kill to its first run after it. The largest is the
     * failover time. {@code fires} are those of all nodes.
     */
    public static Map<String, Duration> resumedAfterKill(List<Fire> fires, Instant killedAt) {
        Map<String, Duration> out = new TreeMap<>();
        bySchedule(fires).forEach((schedule, of) -> {
            List<Fire> sorted = of.stream().sorted(java.util.Comparator.comparing(Fire::scheduledAt)).toList();
            Fire resume = null;
            Duration longest = Duration.ofSeconds(1);
            for (int i = 1; i < sorted.size(); i++) {
                Fire n = sorted.get(i);
                Duration gap = Duration.between(sorted.get(i - 1).scheduledAt(), n.scheduledAt());
                if (n.started().isAfter(killedAt) && gap.compareTo(longest) > 0) {
                    longest = gap;
                    resume = n;
                }
            }
            if (resume == null) {
                resume = sorted.stream().filter(f -> f.started().isAfter(killedAt)).findFirst().orElse(null);
            }
            if (resume != null) {
                out.put(schedule, Duration.between(killedAt, resume.started()));
            }
        });
        return out;
    }

    /** Writes {@code text} to {@code home/relative}, creating its directory. */
    public static void write(Path home, String relative, String text) {
        try {
            Path p = home.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A runbook that echoes and is done: a fire costs little more than its own bookkeeping. */
    public static String pulseRunbook(String name) {
        return "name: " + name + "\nsteps:\n  - id: beat\n    run: echo " + name + "\n";
    }

    /** Starts {@code runbook daemon ARGS} (listening on a free port) and waits until it says it started. */
    public static Running start(Cli cli, String... args) {
        return launch(cli, args).awaitStarted();
    }

    /** Starts {@code runbook daemon ARGS} (listening on a free port) without waiting. */
    public static Running launch(Cli cli, String... args) {
        List<String> all = new ArrayList<>(List.of("daemon", "--listen", "127.0.0.1:0"));
        all.addAll(List.of(args));
        return new Running(cli, cli.start(all.toArray(String[]::new)));
    }

    /** A daemon process; closing it kills whatever is left of it. */
    public static final class Running implements AutoCloseable {
        private final Cli cli;
        private final Cli.Running process;

        Running(Cli cli, Cli.Running process) {
            this.cli = cli;
            this.process = process;
        }

        /** Waits until the daemon says it started (its store ready, its schedules reconciled). */
        public Running awaitStarted() {
            process.awaitOutput(" started: ", Duration.ofSeconds(60));
            return this;
        }

        public Cli.Running process() {
            return process;
        }

        public Path auditFile() {
            return cli.auditFile();
        }

        public List<Fire> fires() {
            return Daemons.fires(cli.auditFile());
        }

        public int port() {
            Matcher m = PORT.matcher(process.stdout());
            if (!m.find()) {
                throw new AssertionError("the daemon did not say where it listens:\n" + process.stdout());
            }
            return Integer.parseInt(m.group(1));
        }

        /** GET on the daemon's HTTP port: status and body. */
        public HttpResponse<String> get(String path) {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Waits until the daemon's audit holds at least {@code n} scheduled runs that passed {@code filter}. */
        public void awaitFires(int n, java.util.function.Predicate<Fire> filter, Duration within) {
            boolean ok = Processes.eventually(within, () -> fires().stream().filter(filter).count() >= n || !process.isAlive());
            if (!ok || !process.isAlive()) {
                throw new AssertionError("expected " + n + " fires within " + within + ", got " + fires()
                        + (process.isAlive() ? "" : " (the daemon exited)") + "\n--- stdout ---\n" + process.stdout()
                        + "\n--- stderr ---\n" + process.stderr());
            }
        }

        /** SIGTERM, then the exit. */
        public Cli.Result stop(Duration within) {
            process.signal("TERM");
            return process.await(within);
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        public String output() {
            return "--- stdout ---\n" + process.stdout() + "\n--- stderr ---\n" + process.stderr();
        }

        @Override
        public void close() {
            process.close();
        }
    }
}
