package dev.runbook.exec.sql;

import dev.runbook.engine.Masker;
import dev.runbook.engine.SqlExecutor;
import dev.runbook.engine.StepResult;
import dev.runbook.exec.Cancellation;
import dev.runbook.model.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sql} step on PostgreSQL over JDBC. A step names a connection ({@code database:}) that the
 * host's inventory var {@code runbook_databases} defines (see {@link ConnectionSettings}); each
 * (host, connection) gets one connection for the whole run, opened at its first step and closed by
 * {@link #close()}, with {@code application_name = runbook} and its backend pid in every result
 * ({@code backend_pid}) so a runbook can tell its own session from the ones it terminates.
 *
 * <p>Results: {@code rows} (column to plain value, at most the row limit, then {@code truncated}),
 * {@code columns}, {@code row_count} (rows returned, or changed by DML), {@code notices},
 * {@code database}, {@code backend_pid}; a failure adds {@code sqlstate}. Several statements separated by
 * {@code ;} run in order and the result is the last one's. Thread-safe: statements for one
 * (host, connection) run one at a time.
 */
public final class PostgresExecutor implements SqlExecutor {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_ROW_LIMIT = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(PostgresExecutor.class);

    private final Map<String, String> env;
    private final Map<String, ?> connections;
    private final Duration connectTimeout;
    private final int rowLimit;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The connection of one (host, database): opened on first use, replaced when it broke. */
    private static final class Slot {
        final ReentrantLock lock = new ReentrantLock();
        Session session;
    }

    /** Connections only from inventory vars, the default connect timeout and row limit. */
    public PostgresExecutor(Map<String, String> env) {
        this(env, Map.of(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_ROW_LIMIT);
    }

    /**
     * @param env            where {@code env:VAR} passwords are read
     * @param connections    named connections from the configuration (same shape as one host's
     *                       {@code runbook_databases}); a host's own of the same name wins
     * @param connectTimeout for opening a connection, TCP and login together, unless a connection sets
     *                       {@code connect_timeout}
     * @param rowLimit       rows kept per result; more set {@code truncated}
     */
    public PostgresExecutor(Map<String, String> env, Map<String, ?> connections, Duration connectTimeout, int rowLimit) {
        this.env = Map.copyOf(env);
        this.connections = Map.copyOf(connections);
        this.connectTimeout = connectTimeout;
        this.rowLimit = rowLimit;
    }

    @Override
    public StepResult execute(Target host, String database, String statement, List<Object> binds, Duration timeout,
                              boolean transaction, Cancellation cancel) {
        long start = System.nanoTime();
        if (closed) {
            return StepResult.failed("the SQL executor is closed: the run is over", Map.of(), 0);
        }
        SqlScript script = SqlScript.parse(statement);
        if (script.statements().isEmpty()) {
            return StepResult.failed("the sql step has no statement", Map.of(), 0);
        }
        if (!binds.isEmpty() && script.placeholderCount() != binds.size()) {
            return StepResult.failed("the statement has " + script.placeholderCount() + " ? placeholders for " + binds.size()
                    + " template values; write ?? for a literal question mark (the jsonb operators)", Map.of(), 0);
        }
        ConnectionSettings settings;
        try {
            settings = ConnectionSettings.resolve(host, database, connections, connectTimeout);
        } catch (ConnectionProblem p) {
            return StepResult.failed(p.getMessage(), Map.of(), ms(start));
        }
        Slot slot = slots.computeIfAbsent(host.name() + "\u0000" + settings.name(), k -> new Slot());
        slot.lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                Session session = session(slot, settings);
                if (cancel.isCancelled()) {
                    return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (" + cancel.reason() + ")",
                            Map.of("database", settings.name()), ms(start));
                }
                ScriptRun run = new ScriptRun(session, statement, script, binds, timeout, rowLimit);
                StepResult r = run(slot, session, run, transaction, cancel, start);
                if (attempt > 1 || !run.failedOnStaleConnection()) {
                    return r;
                }
                LOG.debug("connection to database '{}' was gone before the step began; reconnecting", settings.name());
            }
        } catch (ConnectionProblem p) {
            return StepResult.of(p.unreachable() ? StepResult.Outcome.UNREACHABLE : StepResult.Outcome.FAILED, p.getMessage(),
                    Map.of("database", settings.name()), ms(start));
        } finally {
            slot.lock.unlock();
        }
    }

    @Override
    public List<String> notices(Target host, String database) {
        try {
            ConnectionSettings settings = ConnectionSettings.resolve(host, database, connections, connectTimeout);
            String password = settings.readPassword(env);
            String notice = Masker.shortNotice("the password of database '" + settings.name() + "'", password,
                    "the database's messages");
            if (notice != null) {
                return List.of(notice);
            }
        } catch (ConnectionProblem p) {
            // its step says so
        }
        return List.of();
    }

    @Override
    public String problem(Target host, String database) {
        try {
            ConnectionSettings.resolve(host, database, connections, connectTimeout);
            return null;
        } catch (ConnectionProblem p) {
            return p.getMessage();
        }
    }

    private static StepResult run(Slot slot, Session session, ScriptRun run, boolean transaction, Cancellation cancel,
                                  long start) {
        session.begin();
        Cancellation.Registration onCancel = cancel.onCancel(session::interrupt);
        try {
            return run.run(transaction, cancel, start);
        } finally {
            session.end();
            onCancel.close();
            if (session.lost()) {
                session.close();
                slot.session = null;
            }
        }
    }

    private Session session(Slot slot, ConnectionSettings settings) throws ConnectionProblem {
        if (slot.session != null && slot.session.lost()) {
            slot.session.close();
            slot.session = null;
        }
        if (slot.session == null) {
            slot.session = Session.open(settings, env);
            LOG.debug("connected to database '{}' ({}), backend pid {}", settings.name(), settings.display(),
                    slot.session.backendPid());
        }
        return slot.session;
    }

    /** Closes every connection; a statement still running has its connection cut. */
    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots.values()) {
            Session s = slot.session;
            if (s != null) {
                s.close();
            }
        }
        slots.clear();
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
