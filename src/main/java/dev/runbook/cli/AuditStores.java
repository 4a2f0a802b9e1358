package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditReader;
import dev.runbook.audit.AuditSink;
import dev.runbook.audit.FileAuditReader;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.audit.StateDir;
import dev.runbook.audit.pg.PgAuditStore;
import dev.runbook.audit.pg.PgSettings;
import dev.runbook.config.Config;
import dev.runbook.engine.FileRunLocks;
import dev.runbook.engine.RunLocks;
import dev.runbook.model.InvalidInputException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The audit store the configuration names, with everything that goes with it: the sink a run
 * writes to, the reader for history, show, verify and export, and the run locks. The file store:
 * {@code audit.jsonl} and {@code locks/} in the state directory. PostgreSQL: its tables, the
 * spool in the state directory, and advisory locks on top of the local lock files.
 */
final class AuditStores {
    private final Config config;
    private final StateDir state;
    private final PgAuditStore pg;

    private final Consumer<String> notices;

    private AuditStores(Config config, StateDir state, PgAuditStore pg, Consumer<String> notices) {
        this.config = config;
        this.state = state;
        this.pg = pg;
        this.notices = notices;
    }

    /**
     * @param notices where fallbacks are told (PostgreSQL unreachable: events spooled, locks local
     *                only); connect to {@code RunListener.notice}, or to stderr
     */
    static AuditStores open(Config config, StateDir state, Map<String, String> env, Consumer<String> notices) {
        if (config.audit().postgres() && config.audit().password() != null) {
            // a password that is nowhere is the configuration's fault, not an outage to spool through:
            // refused (exit 2, at its line) before anything runs; it is read again at each connection
            config.audit().password().resolve(env);
        }
        PgAuditStore pg = config.audit().postgres()
                ? new PgAuditStore(PgSettings.of(config.audit(), env), state.root().resolve("spool"), notices) : null;
        return new AuditStores(config, state, pg, notices);
    }

    Config config() {
        return config;
    }

    /**
     * A sink for one run; the caller closes it. The file store's is opened, and the state directory
     * created, at the run's first event: a run refused before it starts (bad params, inventory or
     * targets) leaves nothing behind.
     */
    AuditSink sink() {
        return pg != null ? pg.sink() : new OnFirstEvent(state);
    }

    /** One sink for the whole process (the daemon's runs share its background writer); never closed per run. */
    AuditSink sharedSink() {
        return pg != null ? pg.sharedSink() : null;
    }

    AuditReader reader() {
        return pg != null ? pg.reader() : new FileAuditReader(state.auditFile());
    }

    /**
     * The reader for history and show. With PostgreSQL, events this machine spooled while it was
     * unreachable are delivered first (as {@code audit flush} would), so that a run whose last
     * events waited in the spool is shown as it ended, not as "died". When they cannot be
     * delivered, {@code notices} says so and which runs it concerns.
     */
    AuditReader readerWithSpoolDelivered() {
        if (pg != null) {
            deliverSpool();
        }
        return reader();
    }

    private void deliverSpool() {
        if (!pg.spooled()) {
            return;
        }
        Path spool = state.root().resolve("spool");
        try {
            state.check();  // delivered files are deleted: only from a spool no one else controls
            PgAuditStore.Flushed f = pg.flush();
            if (f.inserted() > 0) {
                notices.accept(f.inserted() + " event" + (f.inserted() == 1 ? "" : "s") + " spooled while PostgreSQL was"
                        + " unreachable delivered first, from " + spool);
            }
        } catch (RuntimeException e) {
            notices.accept("events spooled in " + spool + " are not delivered (" + e.getMessage() + "): runs whose last"
                    + " events wait there show as running or died until `runbook audit flush` delivers them");
        }
    }

    /** The run locks; {@code locks/} (and the state directory, private) are created when a lock is first taken. */
    RunLocks locks() {
        RunLocks local = (runbook, targetKey, me) -> new FileRunLocks(state.ensure(state.locks())).acquire(runbook, targetKey, me);
        return pg != null ? pg.locks(local) : local;
    }

    boolean postgres() {
        return pg != null;
    }

    /**
     * The PostgreSQL store, for the commands that only it has.
     *
     * @throws InvalidInputException naming the command when the store is the file
     */
    PgAuditStore postgres(String command) {
        if (pg == null) {
            throw InvalidInputException.usage("runbook " + command + " works on the PostgreSQL audit store, and the store is the file "
                    + state.auditFile() + " (" + config.describeSource() + "; set audit.store: postgres and audit.url, or RUNBOOK_AUDIT_URL)");
        }
        return pg;
    }

    String describe() {
        return pg != null ? pg.describe() : state.auditFile().toString();
    }

    /** The JSONL trail of the state directory, opened when the first event comes. */
    private static final class OnFirstEvent implements AuditSink {
        private final StateDir state;
        private volatile JsonlAuditTrail trail;

        OnFirstEvent(StateDir state) {
            this.state = state;
        }

        @Override
        public void append(AuditEvent event, boolean durable) {
            JsonlAuditTrail t = trail;
            if (t == null) {
                synchronized (this) {
                    if (trail == null) {
                        state.ensure();
                        // a trail found cut short is said on stderr whatever the run's output: the run still runs
                        trail = new JsonlAuditTrail(state.auditFile(), Wiring::toStderr);
                    }
                    t = trail;
                }
            }
            t.append(event, durable);
        }

        @Override
        public String describe() {
            return state.auditFile().toString();
        }

        @Override
        public synchronized void close() {
            if (trail != null) {
                trail.close();
            }
        }
    }
}
