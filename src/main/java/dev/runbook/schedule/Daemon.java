package dev.runbook.schedule;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.engine.RunControl;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;

/**
 * {@code runbook daemon}: Quartz firing schedules as normal runs. In-memory by default; with a
 * PostgreSQL store, Quartz's clustered JDBC job store, so several daemons share the schedules,
 * each trigger fires once cluster-wide, and a dead node's work is taken over. SIGTERM stops new
 * fires, gives running runs a grace period, then interrupts them through the normal path (their
 * {@code finally} steps run, audited) and exits 0.
 */
public final class Daemon {
    static final String GROUP = "runbook";

    /**
     * @param jdbc          null for Quartz's in-memory store
     * @param checkin       how often a clustered node checks in (failover happens after a missed check-in)
     * @param misfireAfter  how late a fire may be before it counts as missed
     */
    public record Settings(String node, InetSocketAddress listen, Duration grace, int threads, Duration misfireAfter,
                           Jdbc jdbc, Duration checkin) {}

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

    private final Settings settings;
    private final Map<String, Schedule> schedules = new LinkedHashMap<>();
    private final ScheduledRuns runs;
    private final Consumer<String> log;
    private final DaemonMetrics metrics = new DaemonMetrics();
    private final Map<String, RunControl> running = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private Scheduler scheduler;
    private HttpServer http;

    public Daemon(Settings settings, List<Schedule> schedules, ScheduledRuns runs, Consumer<String> log) {
        this.settings = settings;
        schedules.stream().filter(Schedule::enabled).forEach(s -> this.schedules.put(s.id(), s));
        this.runs = runs;
        this.log = log;
    }

    public void start() throws SchedulerException, IOException, java.sql.SQLException {
        if (settings.jdbc() != null) {
            QuartzSchema.migrate(settings.jdbc().url(), settings.jdbc().user(), settings.jdbc().password(), settings.jdbc().schema());
        }
        StdSchedulerFactory factory = new StdSchedulerFactory(properties());
        scheduler = factory.getScheduler();
        scheduler.setJobFactory((bundle, s) -> new RunbookJob(this));
        reconcile();
        http = HttpServer.create(settings.listen(), 16);
        http.createContext("/health", this::health);
        http.createContext("/metrics", this::metricsEndpoint);
        http.start();
        scheduler.start();
        log("daemon " + settings.node() + " started: " + schedules.size() + " schedule(s), "
                + (settings.jdbc() == null ? "in-memory store" : "clustered PostgreSQL store") + ", http://"
                + settings.listen().getHostString() + ":" + http.getAddress().getPort() + "/health and /metrics");
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private Properties properties() {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "runbook");
        p.setProperty("org.quartz.scheduler.instanceId", settings.node());
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(settings.threads()));
        p.setProperty("org.quartz.jobStore.misfireThreshold", String.valueOf(settings.misfireAfter().toMillis()));
        if (settings.jdbc() == null) {
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
            return p;
        }
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.tablePrefix", settings.jdbc().tablePrefix());
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(settings.checkin().toMillis()));
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.dataSource", "runbook");
        p.setProperty("org.quartz.dataSource.runbook.provider", "hikaricp");
        p.setProperty("org.quartz.dataSource.runbook.driver", "org.postgresql.Driver");
        p.setProperty("org.quartz.dataSource.runbook.URL", settings.jdbc().url());
        p.setProperty("org.quartz.dataSource.runbook.user", settings.jdbc().user() == null ? "" : settings.jdbc().user());
        p.setProperty("org.quartz.dataSource.runbook.password", settings.jdbc().password() == null ? "" : settings.jdbc().password());
        p.setProperty("org.quartz.dataSource.runbook.maxConnections", String.valueOf(settings.threads() + 3));
        return p;
    }

    /**
     * Makes the store hold exactly the configured schedules. A trigger whose cron and zone are
     * unchanged is left alone, so a daemon joining a cluster does not move anyone's next fire.
     */
    private void reconcile() throws SchedulerException {
        Set<JobKey> existing = scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP));
        for (JobKey key : existing) {
            if (!schedules.containsKey(key.getName())) {
                scheduler.deleteJob(key);
                log("removed schedule " + key.getName() + " (no longer configured)");
            }
        }
        for (Schedule s : schedules.values()) {
            TriggerKey tk = TriggerKey.triggerKey(s.id(), GROUP);
            Trigger current = scheduler.getTrigger(tk);
            // compared as Quartz stores it: the zone '+01:00' comes back as the TimeZone 'GMT+01:00'
            if (current instanceof CronTrigger ct && ct.getCronExpression().equals(s.cron())
                    && ct.getTimeZone().getID().equals(TimeZone.getTimeZone(s.timeZone()).getID())
                    && ct.getMisfireInstruction() == misfire(s)) {
                continue;
            }
            JobDetail job = JobBuilder.newJob(RunbookJob.class).withIdentity(s.id(), GROUP).storeDurably()
                    .withDescription("runbook " + s.runbook().getFileName()).build();
            CronScheduleBuilder cron = CronScheduleBuilder.cronSchedule(s.cron()).inTimeZone(TimeZone.getTimeZone(s.timeZone()));
            cron = s.misfire() == Schedule.Misfire.RUN_ONCE ? cron.withMisfireHandlingInstructionFireAndProceed()
                    : cron.withMisfireHandlingInstructionDoNothing();
            Trigger t = TriggerBuilder.newTrigger().withIdentity(tk).forJob(job).withSchedule(cron).build();
            store(job, t, current != null);
        }
    }

    /**
     * Replaces only a trigger this node found. Two daemons starting at once on a fresh store both
     * find none; had the later replaced the earlier's trigger, already firing by then, its next fire
     * would move back to the later's start and the times already fired would fire again. Quartz
     * checks for an existing job under its cluster lock, so the later one is told instead.
     */
    private void store(JobDetail job, Trigger t, boolean replace) throws SchedulerException {
        try {
            scheduler.scheduleJob(job, Set.of(t), replace);
        } catch (ObjectAlreadyExistsException e) {
            if (scheduler.getTrigger(t.getKey()) != null) {
                log("schedule " + t.getKey().getName() + ": stored by another node at the same moment, left as it is");
                return;
            }
            scheduler.scheduleJob(job, Set.of(t), true);  // a job left without its trigger
        }
    }

    private static int misfire(Schedule s) {
        return s.misfire() == Schedule.Misfire.RUN_ONCE ? CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW
                : CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING;
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
        try {
            log("stopping: no new fires; " + running.size() + " run(s) in progress get " + settings.grace().toSeconds() + " s");
            scheduler.standby();
            waitForRuns(settings.grace());
            if (!running.isEmpty()) {
                log("grace period over: interrupting " + running.size() + " run(s); their finally steps run");
                running.values().forEach(c -> c.interrupt("SIGTERM: the daemon is stopping"));
                waitForRuns(settings.grace().plusSeconds(30));
            }
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            log("error while stopping: " + e.getMessage());
        } finally {
            if (http != null) {
                http.stop(0);
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

    private void health(HttpExchange ex) throws IOException {
        boolean ok;
        try {
            ok = !stopping && scheduler != null && scheduler.isStarted() && !scheduler.isInStandbyMode();
        } catch (SchedulerException e) {
            ok = false;
        }
        String body = "{\"status\":\"" + (ok ? "ok" : stopping ? "stopping" : "starting") + "\",\"node\":\"" + settings.node()
                + "\",\"schedules\":" + schedules.size() + ",\"running\":" + running.size()
                + ",\"store\":\"" + (settings.jdbc() == null ? "memory" : "postgresql") + "\"}";
        respond(ex, ok ? 200 : 503, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private void metricsEndpoint(HttpExchange ex) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        metrics.write(out);
        respond(ex, 200, DaemonMetrics.contentType(), out.toByteArray());
    }

    private static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
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
