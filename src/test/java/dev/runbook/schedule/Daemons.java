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

    /** One fire of a schedule, as its {@code run.started} event tells it. */
    public record Fire(String schedule, Instant scheduledAt, Instant started, String runId, String user, String via) {
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
                    e.path("actor").path("via").asText()));
        }
        return out;
    }

    /** The fires of each schedule, by schedule id. */
    public static Map<String, List<Fire>> bySchedule(List<Fire> fires) {
        Map<String, List<Fire>> out = new TreeMap<>();
        fires.forEach(f -> out.computeIfAbsent(f.schedule(), k -> new ArrayList<>()).add(f));
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
        List<String> all = new ArrayList<>(List.of("daemon", "--listen", "127.0.0.1:0"));
        all.addAll(List.of(args));
        Cli.Running process = cli.start(all.toArray(String[]::new));
        Running d = new Running(cli, process);
        process.awaitOutput(" started: ", Duration.ofSeconds(60));
        return d;
    }

    /** A daemon process; closing it kills whatever is left of it. */
    public static final class Running implements AutoCloseable {
        private final Cli cli;
        private final Cli.Running process;

        Running(Cli cli, Cli.Running process) {
            this.cli = cli;
            this.process = process;
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
