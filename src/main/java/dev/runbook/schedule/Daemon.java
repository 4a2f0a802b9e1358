package dev.runbook.schedule;

import dev.runbook.engine.RunControl;
import dev.runbook.model.InvalidInputException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.quartz.SchedulerException;

/**
 * {@code runbook daemon}: Quartz firing schedules as normal runs. In-memory by default; with a
 * PostgreSQL store, Quartz's clustered JDBC job store ({@link ClusterNode}), so several daemons
 * share the schedules, each trigger fires once cluster-wide, and a dead node's work is taken over.
 * Every {@code checkin} the daemon looks at its schedule files (and, clustered, at its store): a
 * change, or SIGHUP, loads them again, and schedules that do not load leave the running ones as
 * they are. SIGTERM stops new fires, gives running runs a grace period, then interrupts them
 * through the normal path (their {@code finally} steps run, audited) and exits 0.
 */
public final class Daemon {
    static final String GROUP = "runbook";

    /**
     * @param cluster      the cluster's name: daemons of one cluster share their schedules
     * @param jdbc         null for Quartz's in-memory store
     * @param checkin      how often a clustered node checks in (failover happens after a missed
     *                     check-in); also how often the daemon looks at its files and its store
     * @param misfireAfter how late a fire may be before it counts as missed
     * @param lastFires    where the in-memory store keeps each schedule's last fire, or null
     */
    public record Settings(String node, String cluster, InetSocketAddress listen, Duration grace, int threads, Duration misfireAfter,
                           Jdbc jdbc, Duration checkin, LastFires lastFires) {}

    /**
     * The PostgreSQL that holds the clustered job store.
     *
     * @param schema where Quartz's tables live (the audit store's schema), or null for the user's default
     */
    public record Jdbc(String url, String user, String password, String schema) {
        public Jdbc(String url, String user, String password) {
            this(url, user, password, null);
        }

        String tablePrefix() {
            return schema == null ? "QRTZ_" : schema + ".QRTZ_";
        }
    }

    /** What {@code /health} says: only {@code OK} is answered with 200. */
    enum Status { STARTING, OK, DEGRADED, STANDBY, STOPPING }

    private final Settings settings;
    private final ScheduleReload reload;
    private final ScheduledRuns runs;
    private final Consumer<String> log;
    private final DaemonMetrics metrics = new DaemonMetrics();
    private final Map<String, RunControl> running = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "daemon-ticks");
        t.setDaemon(true);
        return t;
    });
    /** What the files say, and what this node fires with (the same, unless it stands by in a cluster). */
    private volatile ScheduleSet configured;
    private volatile ScheduleSet schedules;
    private volatile Status status = Status.STARTING;
    private volatile String reason;
    private volatile boolean stopping;
    private QuartzStore quartz;
    private ClusterNode cluster;
    private DaemonHttp http;

    /** @param initial the schedules as the command loaded them (and warned about) */
    public Daemon(Settings settings, ScheduleSource source, List<Schedule> initial, ScheduledRuns runs, Consumer<String> log) {
        this.settings = settings;
        this.reload = new ScheduleReload(source, this::log);
        this.configured = ScheduleSet.of(initial);
        this.schedules = configured;
        this.runs = runs;
        this.log = log;
    }

    /**
     * Starts firing, or, clustered, as soon as the store answers and this node's schedules are the
     * cluster's.
     *
     * @throws InvalidInputException when the clustered store refuses this daemon (a password, a
     *                               database or a privilege to fix): it does not start
     */
    public void start() throws SchedulerException, IOException {
        reload.started();
        http = DaemonHttp.start(settings.listen(), this);
        if (settings.jdbc() == null) {
            quartz = QuartzStore.create(settings, this);
            quartz.apply(schedules);
            if (settings.lastFires() != null) {
                // before the first fire, which would note itself as the last
                CatchUp.atStart(this, quartz.scheduler(), settings.lastFires(), schedules.all());
            }
            quartz.scheduler().start();
            status(Status.OK, null);
        } else {
            cluster = new ClusterNode(this, settings);
            cluster.start(configured);
        }
        log("daemon " + settings.node() + " started: " + configured.size() + " schedule(s), "
                + (settings.jdbc() == null ? "in-memory store" : "clustered PostgreSQL store (cluster '" + settings.cluster() + "')")
                + ", http://" + settings.listen().getHostString() + ":" + http.port() + "/health and /metrics");
        long every = settings.checkin().toMillis();
        ticks.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    public int port() {
        return http.port();
    }

    /** Loads the schedules again now (SIGHUP), whether or not the files look changed. */
    public void reload() {
        reload.ask();
        ticks.execute(this::tick);
    }

    private void tick() {
        if (stopping) {
            return;
        }
        try {
            ScheduleSet next = reload.next(configured);
            if (next != null) {
                configured = next;
                if (cluster == null) {
                    schedules = next;
                    quartz.apply(next);
                }
            }
            if (cluster != null) {
                cluster.step(configured);
            }
        } catch (SchedulerException | RuntimeException e) {
            log("daemon: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("")));
        }
    }

    /** Blocks until {@link #stop()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** No new fires; running runs get the grace period, then are interrupted (their finally steps run). */
    public void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        status(Status.STOPPING, "the daemon is stopping");
        ticks.shutdownNow();
        try {
            ticks.awaitTermination(5, TimeUnit.SECONDS);  // a tick that was deciding whether this node fires
            log("stopping: no new fires; " + running.size() + " run(s) in progress get " + settings.grace().toSeconds() + " s");
            if (quartz != null) {
                quartz.scheduler().standby();
            }
            waitForRuns(settings.grace());
            if (!running.isEmpty()) {
                log("grace period over: interrupting " + running.size() + " run(s); their finally steps run");
                running.values().forEach(c -> c.interrupt("SIGTERM: the daemon is stopping"));
                waitForRuns(settings.grace().plusSeconds(30));
            }
            if (quartz != null) {
                quartz.scheduler().shutdown(false);
            }
        } catch (SchedulerException e) {
            log("error while stopping: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            if (http != null) {
                http.stop();
            }
            log("daemon " + settings.node() + " stopped");
            stopped.countDown();
        }
    }

    private void waitForRuns(Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        while (!running.isEmpty() && System.nanoTime() < end) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    void status(Status s, String why) {
        if (!stopping || s == Status.STOPPING) {
            status = s;
            reason = why;
        }
    }

    Status status() {
        return status;
    }

    String reason() {
        return reason;
    }

    Settings settings() {
        return settings;
    }

    int configuredCount() {
        return configured.size();
    }

    int runningCount() {
        return running.size();
    }

    /** From now on this node fires with {@code set} (clustered: the store holds it, or is about to). */
    void firesWith(ScheduleSet set) {
        schedules = set;
    }

    void useQuartz(QuartzStore q) {
        quartz = q;
    }

    Schedule schedule(String id) {
        return schedules.get(id);
    }

    ScheduledRuns runs() {
        return runs;
    }

    DaemonMetrics metrics() {
        return metrics;
    }

    String node() {
        return settings.node();
    }

    boolean stopping() {
        return stopping;
    }

    /** A fire is starting: the in-memory store notes it, for the catch-up after a restart. */
    void fired(Schedule s, ScheduledRuns.Fire fire) {
        if (settings.lastFires() == null) {
            return;
        }
        try {
            settings.lastFires().record(s.id(), fire.scheduledAt());
        } catch (IOException | RuntimeException e) {
            log("schedule " + s.id() + ": cannot note its last fire for a restart: " + e.getMessage());
        }
    }

    /** A fire that does not become a run: counted, logged by the caller, and audited. */
    void skipped(Schedule s, Instant scheduledAt, String reason) {
        metrics.skipped(s.id(), "skipped_missed");
        try {
            runs.skipped(s, settings.node(), scheduledAt, reason);
        } catch (RuntimeException e) {
            log("schedule " + s.id() + ": the skipped fire could not be audited: " + e.getMessage());
        }
    }

    void runStarted(String fireId, RunControl control) {
        running.put(fireId, control);
    }

    void runEnded(String fireId) {
        running.remove(fireId);
    }

    void log(String message) {
        log.accept(message);
    }
}
