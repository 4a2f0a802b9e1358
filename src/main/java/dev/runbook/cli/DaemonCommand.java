package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditSink;
import dev.runbook.engine.Engine;
import dev.runbook.engine.Gate;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunListener;
import dev.runbook.engine.RunOutcome;
import dev.runbook.engine.RunRequest;
import dev.runbook.engine.SqlExecutor;
import dev.runbook.load.Durations;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import dev.runbook.model.Visible;
import dev.runbook.schedule.Daemon;
import dev.runbook.schedule.LastFires;
import dev.runbook.schedule.Schedule;
import dev.runbook.schedule.ScheduleSource;
import dev.runbook.schedule.ScheduledRuns;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import sun.misc.Signal;

final class DaemonCommand implements Callable<Integer>, CliSpec.Command {
    /** A schema name as the tool writes it into SQL: lower case, unquoted. */
    private static final String SCHEMA = "[a-z_][a-z0-9_]{0,62}";
    final CommonOptions common = new CommonOptions();
    CliSpec cli;
    Path dir;
    Path inventory;
    String listen;
    String node;
    String grace;
    int threads;
    String misfireAfter;
    String checkin;
    String jdbcUrl;
    String jdbcUser;
    String jdbcSchema;
    String cluster;
    boolean standalone;

    @Override
    public CliSpec spec() {
        cli = common.addTo(CliSpec.command("daemon", this, "Run the schedules: Quartz, in memory, or clustered over PostgreSQL."))
                .option("--dir").type(Path.class).label("DIR").defaultValue("schedules").describe(ScheduleCommand.DIR).to(v -> dir = v)
                .option("-i", "--inventory").type(Path.class).label("FILE|DIR").describe("Inventory for the scheduled runs (a file or a directory).").to(v -> inventory = v)
                .option("--listen").label("HOST:PORT").defaultValue("127.0.0.1:9464")
                .describe("Address of /health and /metrics (default 127.0.0.1:9464).").to(v -> listen = v)
                .option("--node").label("NAME").describe("This daemon's name in the cluster (default: host name and pid).").to(v -> node = v)
                .option("--grace").label("DURATION").defaultValue("30s")
                .describe("On SIGTERM, how long running runs may finish before they are interrupted (default 30s).").to(v -> grace = v)
                .option("--threads").type(int.class).label("N").defaultValue("4").describe("Runs at once on this node (default 4).").to(v -> threads = v)
                .option("--misfire-after").label("DURATION").defaultValue("10s")
                .describe("How late a fire may be before it counts as missed (default 10s).").to(v -> misfireAfter = v)
                .option("--checkin").label("DURATION").defaultValue("2s")
                .describe("Cluster check-in interval (default 2s): a dead node's schedules move about 7.5 s plus up to twice this after it stopped;"
                        + " also how often the daemon looks at its schedule files and its store.")
                .to(v -> checkin = v)
                .option("--jdbc-url").label("JDBC_URL")
                .describe("PostgreSQL for the clustered store (also RUNBOOK_DAEMON_JDBC_URL); password from RUNBOOK_DAEMON_JDBC_PASSWORD.")
                .to(v -> jdbcUrl = v)
                .option("--jdbc-user").label("USER").describe("PostgreSQL user (also RUNBOOK_DAEMON_JDBC_USER).").to(v -> jdbcUser = v)
                .option("--jdbc-schema").label("SCHEMA")
                .describe("Schema of the scheduler's tables with --jdbc-url (also RUNBOOK_DAEMON_JDBC_SCHEMA; default: the audit"
                        + " store's schema when it is PostgreSQL, else the user's search path).").to(v -> jdbcSchema = v)
                .option("--cluster").label("NAME").defaultValue("runbook")
                .describe("The cluster this daemon joins on the PostgreSQL store (default runbook): its nodes share one set of schedules.")
                .to(v -> cluster = v)
                .flag("--standalone").describe("Quartz's in-memory store even with PostgreSQL configured: fires on this machine alone,"
                        + " also while PostgreSQL is down (runs are still audited there, spooled meanwhile).").to(v -> standalone = v);
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        if (threads < 1) {
            throw InvalidInputException.usage("--threads " + threads + ": give how many runs may go at once, 1 or more");
        }
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")) {
            throw InvalidInputException.usage("--cluster '" + cluster + "': letters, digits, '.', '-' and '_', at most 80");
        }
        if (jdbcSchema != null && !jdbcSchema.matches(SCHEMA)) {
            throw InvalidInputException.usage("--jdbc-schema '" + jdbcSchema + "' must be a lower-case SQL identifier");
        }
        quietLibraries(common);
        Wiring wiring = Wiring.fromSystem();
        if (jdbcSchema != null && jdbcUrl == null && wiring.env.get("RUNBOOK_DAEMON_JDBC_URL") == null) {
            throw InvalidInputException.usage("--jdbc-schema needs --jdbc-url (the audit store's own schema is used without it)");
        }
        Path from = ScheduleCommand.schedulesDir(dir, cli.given("--dir"));
        ScheduleSource source = new ScheduleSource(from, () -> new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(),
                wiring.env.get("RUNBOOK_PATH"))), () -> wiring.hosts(inventory));
        ScheduleSource.Loaded loaded = source.load();
        if (loaded.schedules().isEmpty()) {
            // nothing would ever fire
            throw InvalidInputException.usage("no schedules to run: " + ScheduleCommand.whereLooked(from, wiring.loader.paths()));
        }
        String name = node != null ? node : Engine.hostName() + "-" + ProcessHandle.current().pid();
        Terminal term = Terminal.system(common.noColor);
        ScheduleCommand.warn(term, loaded.warnings());
        java.util.function.Consumer<String> log = message -> {
            synchronized (term.out) {
                term.out.println(Instant.now() + " " + Visible.line(message));
                term.out.flush();
            }
        };
        // every fire writes there (locks, audit, spool, scripts): refused now rather than at each fire
        wiring.state.check();
        AuditStores stores = wiring.stores(log);
        Daemon.Jdbc jdbc = standalone ? null : jdbc(wiring, stores);
        LastFires lastFires = jdbc != null ? null : new LastFires(wiring.state.root().resolve("daemon"), wiring.state::ensure);
        Daemon.Settings settings = new Daemon.Settings(name, cluster, address(listen), duration("--grace", grace), threads,
                duration("--misfire-after", misfireAfter), jdbc, duration("--checkin", checkin), lastFires);
        Daemon daemon = new Daemon(settings, source, loaded.schedules(), new Runs(wiring, inventory, stores), log);
        daemon.start();
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> new Thread(daemon::stop, "daemon-stop").start());
        }
        Signal.handle(new Signal("HUP"), s -> daemon.reload());
        daemon.awaitStop();
        return ExitCodes.OK;
    }

    /** The clustered store: --jdbc-url, else the PostgreSQL that holds the audit trail; null for the in-memory store. */
    private Daemon.Jdbc jdbc(Wiring wiring, AuditStores stores) {
        String url = jdbcUrl != null ? jdbcUrl : wiring.env.get("RUNBOOK_DAEMON_JDBC_URL");
        String user = jdbcUser != null ? jdbcUser : wiring.env.get("RUNBOOK_DAEMON_JDBC_USER");
        String schema = jdbcSchema != null ? jdbcSchema : wiring.env.get("RUNBOOK_DAEMON_JDBC_SCHEMA");
        if (schema == null && stores.postgres()) {
            // the audit schema's owner may create tables there; on PostgreSQL 15 only the database's owner may in public
            schema = wiring.config().audit().schema();
        }
        if (schema != null && !schema.matches(SCHEMA)) {
            throw InvalidInputException.usage("RUNBOOK_DAEMON_JDBC_SCHEMA '" + schema + "' must be a lower-case SQL identifier");
        }
        if (url != null) {
            return new Daemon.Jdbc(url, user, wiring.env.get("RUNBOOK_DAEMON_JDBC_PASSWORD"), schema);
        }
        if (!stores.postgres()) {
            return null;
        }
        dev.runbook.audit.pg.PgSettings pg = dev.runbook.audit.pg.PgSettings.of(wiring.config().audit(), wiring.env);
        return new Daemon.Jdbc(pg.url(), pg.user(), pg.password() == null ? null : pg.password().get(), pg.schema());
    }

    /**
     * Quartz and HikariCP log a stack trace for each failed attempt while PostgreSQL is down; the
     * daemon says what matters in one line of its own. {@code --debug} and {@code --verbose} keep them.
     */
    private static void quietLibraries(CommonOptions common) {
        if (!common.debug && !common.verbose) {
            System.setProperty("org.slf4j.simpleLogger.log.org.quartz", "off");
            System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "off");
        }
    }

    private static Duration duration(String flag, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.usage(flag + ": " + e.getMessage());
        }
    }

    private static InetSocketAddress address(String text) {
        int colon = text.lastIndexOf(':');
        try {
            return new InetSocketAddress(colon < 0 ? "127.0.0.1" : text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw InvalidInputException.usage("--listen: expected HOST:PORT, not '" + text + "'");
        }
    }

    /** Each fire is a normal run: loaded fresh, audited, gates approved only as the schedule says. */
    private record Runs(Wiring wiring, Path inventory, AuditStores stores) implements ScheduledRuns {
        @Override
        public void skipped(Schedule s, String node, Instant scheduledAt, String reason) {
            String name = s.runbook().getFileName().toString().replaceFirst("\\.ya?ml$", "");
            java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
            data.put("schedule", s.id());
            data.put("scheduled_at", scheduledAt.toString());
            data.put("reason", reason);
            AuditEvent e = new AuditEvent(AuditEvent.VERSION, "-", 0, Instant.now().toString(), "schedule.skipped",
                    new AuditEvent.RunbookRef(name, s.runbook().toString(), null), null, null,
                    new AuditEvent.Actor("schedule@" + node, "schedule"), data, null, null);
            AuditSink shared = stores.sharedSink();
            AuditSink audit = shared != null ? shared : stores.sink();
            try {
                audit.append(e, false);
            } finally {
                if (shared == null) {
                    audit.close();
                }
            }
        }

        @Override
        public RunOutcome run(Schedule s, String node, Fire fire, RunControl control) {
            RunbookLoader loader = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), wiring.env.get("RUNBOOK_PATH")));
            Runbook rb = loader.require(s.runbook());
            String actor = "schedule@" + node;
            Gate gate = r -> s.approve().contains(r.stepId()) ? Gate.Decision.approve(actor, "schedule")
                    : Gate.Decision.deny(actor, "schedule", "schedule '" + s.id() + "' does not pre-approve gate '" + r.stepId() + "'");
            AuditSink shared = stores.sharedSink();
            AuditSink audit = shared != null ? shared : stores.sink();
            try (SqlExecutor sql = wiring.sql()) {
                Engine engine = new Engine(wiring.services(inventory, gate, audit, sql, stores.locks()));
                RunRequest req = new RunRequest(rb, s.params(), s.targets(), null, false, false,
                        new AuditEvent.Actor(actor, "schedule"), s.deadline(), "schedule:" + s.id(), fire.scheduledAt(), fire.missedSince());
                return engine.run(req, RunListener.NONE, control);
            } finally {
                if (shared == null) {
                    audit.close();
                }
            }
        }
    }
}
