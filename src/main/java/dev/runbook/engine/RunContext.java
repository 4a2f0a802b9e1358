package dev.runbook.engine;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import dev.runbook.exec.Cancellation;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Runbook;
import dev.runbook.model.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every step of one run shares: its id, services, cancellation and deadline, the event
 * sequence, one command runner per host, the secret masker and, in a dry run, the plan.
 */
final class RunContext {
    final String runId;
    final EngineServices services;
    final RunListener listener;
    final Masker masker;
    final AuditEvent.Actor actor;
    final boolean dryRun;
    final boolean probe;
    final Instant deadline;
    volatile Cancellation cancel;
    Runbook rootRunbook;
    final List<PlanEntry> plan = Collections.synchronizedList(new ArrayList<>());
    /**
     * The entries a host's thread records during a fan-out, kept apart from the others' so that the
     * plan lists hosts in the order the run starts them, not in the order their threads happen to run.
     */
    private final ThreadLocal<List<PlanEntry>> hostPlan = new ThreadLocal<>();
    private final AtomicLong seq = new AtomicLong();
    private final Map<String, CommandRunner> runners = new ConcurrentHashMap<>();
    private final Map<String, UnreachableException> unreachable = new ConcurrentHashMap<>();
    private final Map<String, Object> opening = new ConcurrentHashMap<>();
    /** Each host's inventory vars as expressions see them, made once a run (HostVars). */
    private final Map<String, Map<String, Object>> hostVars = new ConcurrentHashMap<>();
    final Map<String, Integer> counts = new ConcurrentHashMap<>();
    volatile boolean hostsDropped;
    /** The runbook's max_failures over the whole run; the engine sets it before the first step. */
    FailureBudget failures = new FailureBudget(0);
    /** Hosts stopped at a gate that was not approved: they leave the run, and no new batch starts. */
    final java.util.Set<String> denied = ConcurrentHashMap.newKeySet();
    /** In the finally phase the run's deadline no longer bounds steps: they keep their own timeouts. */
    volatile boolean finallyPhase;
    /** The first event the audit trail refused: from then on nothing runs, finally steps included. */
    private AuditException auditFailure;

    RunContext(String runId, EngineServices services, RunListener listener, Masker masker, AuditEvent.Actor actor,
               boolean dryRun, boolean probe, Instant deadline, Cancellation cancel) {
        this.runId = runId;
        this.services = services;
        this.listener = listener;
        this.masker = masker;
        this.actor = actor;
        this.dryRun = dryRun;
        this.probe = probe;
        this.deadline = deadline;
        this.cancel = cancel;
    }

    boolean dryRun() {
        return dryRun;
    }

    /** Adds a step to the plan: to the entries of the host this thread works for, or to the plan itself. */
    void planned(PlanEntry entry) {
        List<PlanEntry> own = hostPlan.get();
        (own != null ? own : plan).add(entry);
    }

    /** Runs one host's part of a fan-out with its plan entries collected in {@code into}. */
    <T> T planningInto(List<PlanEntry> into, java.util.function.Supplier<T> work) {
        List<PlanEntry> before = hostPlan.get();
        hostPlan.set(into);
        try {
            return work.get();
        } finally {
            hostPlan.set(before);
        }
    }

    /** A dry run's run id is not the id the real run will have: plans show it as unknown. */
    private static final Object UNKNOWN_RUN_ID = new dev.runbook.expr.Unknown() {
        @Override
        public String toString() {
            return "<run.id>";
        }
    };

    Map<String, Object> runScope() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", dryRun && !probe ? UNKNOWN_RUN_ID : runId);
        m.put("dry_run", dryRun);
        m.put("user", actor.user());
        return m;
    }

    /**
     * Records an event in the audit trail, then tells the listener. Audit failures propagate: a run
     * does nothing it cannot record, so the first one stops the run (steps running on other hosts
     * are stopped as by Ctrl-C, nothing more starts, finally steps included) and says where.
     */
    AuditEvent emit(String type, Frame frame, String host, String step, Map<String, Object> data, boolean durable) {
        return emit(type, frame.runbook(), host, step, data, durable, actor);
    }

    AuditEvent emit(String type, Runbook rb, String host, String step, Map<String, Object> data, boolean durable,
                    AuditEvent.Actor who) {
        AuditEvent e;
        synchronized (seq) {
            e = new AuditEvent(AuditEvent.VERSION, runId, seq.incrementAndGet(), Instant.now().toString(), type,
                    new AuditEvent.RunbookRef(rb.name(), rb.path() == null ? null : rb.path().toString(), rb.sha256()),
                    host, step, who, data == null ? Map.of() : (Map<String, Object>) masker.maskDeep(data), null, null);
            if (!dryRun || probe) {
                if (auditFailure != null) {
                    throw auditFailure;
                }
                try {
                    services.audit().append(e, durable);
                } catch (AuditException failure) {
                    auditFailure = new AuditException(failure.getMessage() + "; " + stoppedAt(type, host, step), failure);
                    cancel.cancel("audit");
                    throw auditFailure;
                }
            }
        }
        try {
            listener.event(e);
        } catch (RuntimeException ignored) {
            // a broken console must never break the run
        }
        return e;
    }

    /** {@code host.vars} for expressions: the host's inventory vars with its secret ones as secrets. */
    Map<String, Object> hostVars(Target host) {
        return hostVars.computeIfAbsent(host.name(), k -> HostVars.forScope(host.vars(), masker));
    }

    /** Where a run stopped because its audit trail refused an event. */
    private static String stoppedAt(String type, String host, String step) {
        String where = step == null ? "" : "step '" + step + "'" + (host == null ? "" : " on " + host);
        String what = switch (type) {
            case "run.started" -> "the run did not start";
            case "step.started" -> where + " did not start";
            case "step.finished" -> "the end of " + where + " is not recorded";
            case "run.finished", "run.aborted" -> "the run's end is not recorded";
            default -> step == null ? "the run stopped at its " + type + " event" : "the run stopped at " + where + " (" + type + ")";
        };
        return what + ", and nothing more ran (finally steps included): a run does nothing it cannot record";
    }

    /**
     * The host's runner, opened on first use and kept for the run; unreachable hosts stay so. Hosts
     * are opened in parallel, each once; a connection given up because the run was interrupted is
     * not a verdict on the host, so {@code finally} steps may try it again.
     */
    CommandRunner runner(Target host, Cancellation cancel) throws UnreachableException {
        UnreachableException known = unreachable.get(host.name());
        if (known != null) {
            throw known;
        }
        CommandRunner r = runners.get(host.name());
        if (r != null) {
            return r;
        }
        synchronized (opening.computeIfAbsent(host.name(), k -> new Object())) {
            known = unreachable.get(host.name());
            if (known != null) {
                throw known;
            }
            r = runners.get(host.name());
            if (r == null) {
                try {
                    r = services.connector().open(host, cancel, accepted -> hostKeyAccepted(host, accepted));
                } catch (UnreachableException e) {
                    if (!cancel.isCancelled()) {
                        unreachable.put(host.name(), e);
                    }
                    throw e;
                }
                runners.put(host.name(), r);
            }
            return r;
        }
    }

    private final java.util.Set<String> keyEventsSent = ConcurrentHashMap.newKeySet();

    /** A host key refused: audited once per host as its own event, loudly when the key changed. */
    void hostKeyRejected(Target host, dev.runbook.exec.ssh.HostKeyRejectedException e) {
        if (keyEventsSent.add(host.name())) {
            // the message names the key's host as known_hosts does ([127.0.0.1]:2222); this names the inventory's
            listener.notice(host.name() + ": " + e.getMessage());
            java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
            fields.put("changed", e.changed());
            if (e.fingerprint() != null) {
                // a refused host certificate has no key we checked
                fields.put("fingerprint", e.fingerprint());
            }
            fields.put("message", e.getMessage());
            emit("host.key_rejected", rootRunbook, host.name(), null, fields, true, actor);
        }
    }

    /**
     * A host key recorded under {@code accept-new}: said on the console, as OpenSSH does, and audited
     * with its fingerprint, since the run now trusts a key nobody checked.
     */
    void hostKeyAccepted(Target host, dev.runbook.exec.HostKeyEvents.Accepted a) {
        String whose = a.jumpHost() == null ? "" : " (jump host " + a.jumpHost() + ")";
        listener.notice("host key of " + host.name() + whose + " was unknown and is now trusted (accept-new): " + a.type() + " "
                + a.fingerprint() + ", added to " + a.file() + " as " + a.name());
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("name", a.name());
        fields.put("key_type", a.type());
        fields.put("fingerprint", a.fingerprint());
        fields.put("known_hosts", a.file().toString());
        if (a.jumpHost() != null) {
            fields.put("jump_host", a.jumpHost());
        }
        emit("host.key_accepted", rootRunbook, host.name(), null, fields, true, actor);
    }

    /** A timeout bounded by the run's deadline. */
    Duration bound(Duration timeout) {
        if (deadline == null || finallyPhase) {
            return timeout;
        }
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative()) {
            left = Duration.ofMillis(1);
        }
        return timeout == null || left.compareTo(timeout) < 0 ? left : timeout;
    }

    /**
     * Whether the run's deadline comes before a limit of this length started now (null: no limit of
     * its own), so that {@link #bound} gives the deadline's time: then the deadline is what ends it.
     */
    boolean deadlineFirst(Duration limit) {
        if (deadline == null || finallyPhase) {
            return false;
        }
        return limit == null || Duration.between(Instant.now(), deadline).compareTo(limit) < 0;
    }

    static final String DEADLINE_PASSED = "the run's deadline passed";

    /**
     * A step's result as the run reports it when the deadline may have ended it. The deadline both
     * bounds the step's own timeout ({@link #bound}) and interrupts the run, at the same moment;
     * whichever is noticed first, a step the deadline ended is {@code timed out} with the same message.
     *
     * @param deadlineFirst whether the deadline came before the step's own limit ({@link #deadlineFirst})
     * @param cancelReason  why the run was cancelled, or null
     * @param killsProcesses whether stopping the step killed processes (a command or script)
     */
    static StepResult afterDeadline(StepResult r, boolean deadlineFirst, String cancelReason, boolean killsProcesses) {
        boolean timedOut = r.outcome() == StepResult.Outcome.TIMED_OUT && deadlineFirst;
        boolean interrupted = r.outcome() == StepResult.Outcome.CANCELLED && "deadline".equals(cancelReason);
        if (!timedOut && !interrupted) {
            return r;
        }
        return r.withOutcome(StepResult.Outcome.TIMED_OUT, DEADLINE_PASSED + (killsProcesses ? "; its processes were killed" : ""));
    }

    void count(StepResult r) {
        String key = r.outcome() == StepResult.Outcome.NOT_RUN ? "skipped" : r.outcome().label();
        counts.merge(key, 1, Integer::sum);
    }

    /** Moves one count from a label to another (a failure that on_failure tolerated). */
    void retally(String from, String to) {
        counts.computeIfPresent(from, (k, v) -> v > 1 ? v - 1 : null);
        counts.merge(to, 1, Integer::sum);
    }

    void closeRunners() {
        runners.values().forEach(RunContext::close);
        runners.clear();
    }

    /** Closes these hosts' connections (a batch that is done), so that a large fleet never holds them all open. */
    void closeRunners(List<Target> hosts) {
        for (Target h : hosts) {
            CommandRunner r = runners.remove(h.name());
            if (r != null) {
                close(r);
            }
        }
    }

    private static void close(CommandRunner r) {
        try {
            r.close();
        } catch (RuntimeException e) {
            // closing a connection no step needs any more: nothing to recover
        }
    }
}
