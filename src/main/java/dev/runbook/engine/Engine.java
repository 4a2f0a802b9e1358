package dev.runbook.engine;

import dev.runbook.audit.AuditEvent;
import dev.runbook.expr.Secret;
import dev.runbook.expr.Templates;
import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs (or plans) one runbook: params and secrets first, then the lock, then the steps, then
 * {@code finally}, whatever happened. Bad input fails before the lock; the lock is held before
 * the first event.
 */
public final class Engine {
    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EngineServices services;

    public Engine(EngineServices services) {
        this.services = services;
    }

    public static String newRunId() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return RUN_ID.format(Instant.now()) + "-" + HexFormat.of().formatHex(b);
    }

    /** As for the runbook's secrets: a database password too short to mask well is said once, before the run. */
    private void databaseNotices(Runbook rb, List<Target> hosts, RunListener listener) {
        if (services.sql() == null) {
            return;
        }
        java.util.Set<String> databases = new java.util.LinkedHashSet<>();
        for (var step : rb.allSteps()) {
            if (step.action() instanceof dev.runbook.model.Action.Sql q && (q.database() == null || !q.database().isTemplate())) {
                databases.add(q.database() == null ? null : q.database().value());
            }
        }
        java.util.Set<String> notices = new java.util.LinkedHashSet<>();
        for (Target host : hosts) {
            for (String db : databases) {
                notices.addAll(services.sql().notices(host, db));
            }
        }
        notices.forEach(listener::notice);
    }

    /**
     * @throws dev.runbook.model.InvalidInputException bad params, secrets or targets (nothing ran)
     * @throws LockedException another run holds the lock (nothing ran)
     */
    public RunOutcome run(RunRequest req, RunListener listener, RunControl control) {
        Runbook rb = req.runbook();
        Masker masker = new Masker();
        dev.runbook.exec.LocalRunner.TOOL_CREDENTIALS.forEach(name -> masker.add(services.env().get(name)));
        InputProblems problems = new InputProblems();
        Map<String, Secret> secrets = problems.check(() -> Secrets.resolve(rb, services.env(), masker, req.dryRun()));
        // a plan sends no request unless it probes (and then only readonly steps)
        boolean sends = !req.dryRun() || req.probe();
        if (sends && services.http() != null && rb.allSteps().stream().anyMatch(s -> s.action() instanceof dev.runbook.model.Action.Http)) {
            services.http().warmUp();
        }
        Map<String, Object> params = problems.check(() -> Params.resolve(rb, req.params(), Map.of(), masker));
        // the targets may be made from params: without them, there is nothing to check
        List<Target> hosts = params == null ? null : problems.check(() -> hosts(req, rb, params));
        if (hosts != null && services.connector() != null) {
            problems.check(() -> {
                services.connector().check(hosts);
                return hosts;
            });
        }
        problems.throwIfAny();
        secrets.values().stream().map(s -> Masker.shortNotice("secret '" + s.name() + "'", s.reveal(), "output"))
                .filter(java.util.Objects::nonNull).forEach(listener::notice);
        databaseNotices(rb, hosts, listener);
        String runId = newRunId();
        boolean audited = !req.dryRun() || req.probe();
        RunLocks.Lease lease = audited ? services.locks().acquire(rb.name(), targetKey(hosts), holder(runId)) : null;
        Instant deadline = deadline(req, rb);
        RunContext ctx = new RunContext(runId, services, listener, masker, req.actor(), req.dryRun(), req.probe(),
                deadline, control.current());
        ctx.rootRunbook = rb;
        ctx.failures = new FailureBudget(rb.fanOut().allowedFailures(hosts.size()));
        ScheduledExecutorService timer = deadline == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deadline");
            t.setDaemon(true);
            return t;
        });
        if (timer != null) {
            timer.schedule(() -> control.interrupt("deadline"), Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
        }
        long start = System.nanoTime();
        try {
            ctx.emit("run.started", rb, null, null, startData(req, rb, params, hosts, deadline, lease), true, req.actor());
            Frame frame = Frame.top(rb, params, secrets, hosts.stream().map(Target::name).toList());
            Interpreter interpreter = new Interpreter(ctx);
            Batches batches = new Batches(ctx, interpreter);
            Interpreter.Flow flow = batches.run(rb, hosts, frame);
            String cancelReason = ctx.cancel.reason();
            if (!rb.finallySteps().isEmpty()) {
                if (timer != null) {
                    timer.shutdownNow();
                }
                ctx.finallyPhase = true;
                if (ctx.cancel.isCancelled()) {
                    ctx.cancel = control.fresh();
                }
                boolean finallyFailed = false;
                for (Step s : rb.finallySteps()) {
                    // every finally step runs, whatever the one before did, on every host whose batch started
                    Interpreter.Flow f = interpreter.step(s, batches.started(), frame, "finally");
                    finallyFailed |= f.signal() == Interpreter.Signal.ABORT;
                }
                if (finallyFailed && flow.signal() == Interpreter.Signal.CONTINUE) {
                    flow = new Interpreter.Flow(Interpreter.Signal.ABORT, flow.hosts());
                }
            }
            return finish(ctx, rb, hosts, frame, flow, cancelReason, start, req, shownParams(rb, params));
        } finally {
            if (timer != null) {
                timer.shutdownNow();
            }
            ctx.closeRunners();
            if (lease != null) {
                lease.close();
            }
        }
    }

    private List<Target> hosts(RunRequest req, Runbook rb, Map<String, Object> params) {
        String pattern = req.targets();
        if (pattern == null && rb.targets() != null) {
            Map<String, Object> scope = new LinkedHashMap<>();
            scope.put("params", params);
            pattern = Templates.plain(rb.targets(), scope);
        }
        List<Target> hosts = services.hosts().select(pattern == null ? "localhost" : pattern);
        if (req.limit() != null) {
            List<String> limited = services.hosts().select(req.limit()).stream().map(Target::name).toList();
            hosts = hosts.stream().filter(h -> limited.contains(h.name())).toList();
            if (hosts.isEmpty()) {
                throw dev.runbook.model.InvalidInputException.usage("--limit " + req.limit() + " leaves no host of " + pattern);
            }
        }
        return hosts;
    }

    private static String targetKey(List<Target> hosts) {
        return String.join(",", hosts.stream().map(Target::name).sorted().toList());
    }

    private static RunLocks.Holder holder(String runId) {
        String machine = hostName();
        return new RunLocks.Holder(ProcessHandle.current().pid(), dev.runbook.model.LocalUser.current().name(), machine,
                Instant.now().toString(), runId);
    }

    private static volatile String hostName;

    /**
     * This machine's name, without a DNS lookup (InetAddress.getLocalHost() can wait on one); read
     * once per process (a run asks for it twice, {@code history} once per unfinished run).
     */
    public static String hostName() {
        String name = hostName;
        if (name == null) {
            name = readHostName();
            hostName = name;
        }
        return name;
    }

    private static String readHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/etc/hostname")).strip();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private static Instant deadline(RunRequest req, Runbook rb) {
        Duration d = req.deadline() != null ? req.deadline() : rb.deadline();
        return d == null ? null : Instant.now().plus(d);
    }

    private static Map<String, Object> shownParams(Runbook rb, Map<String, Object> params) {
        Map<String, Object> shown = new LinkedHashMap<>();
        params.forEach((k, v) -> shown.put(k, rb.params().get(k).secret() ? Secret.MASK : v instanceof Duration d
                ? dev.runbook.load.Durations.format(d) : v));
        return shown;
    }

    private static Map<String, Object> startData(RunRequest req, Runbook rb, Map<String, Object> params, List<Target> hosts,
                                                 Instant deadline, RunLocks.Lease lease) {
        Map<String, Object> d = EventData.of("params", shownParams(rb, params), "targets", hosts.stream().map(Target::name).toList(),
                "dry_run", req.dryRun(), "trigger", req.trigger(), "deadline", deadline == null ? null : deadline.toString(),
                "scheduled_at", req.scheduledAt() == null ? null : req.scheduledAt().toString(),
                "catch_up", req.missedSince() == null ? null : true,
                "missed_since", req.missedSince() == null ? null : req.missedSince().toString(),
                "pid", ProcessHandle.current().pid(), "machine", hostName());
        if (lease != null && lease.takenOverFrom() != null) {
            RunLocks.Holder h = lease.takenOverFrom();
            d.put("lock_taken_over_from", EventData.of("run_id", h.runId(), "pid", h.pid(), "user", h.user(),
                    "machine", h.machine(), "started_at", h.startedAt()));
        }
        return d;
    }

    private RunOutcome finish(RunContext ctx, Runbook rb, List<Target> hosts, Frame frame, Interpreter.Flow flow,
                              String cancelReason, long start, RunRequest req, Map<String, Object> params) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        RunOutcome.Status status;
        String message;
        switch (flow.signal()) {
            case CANCELLED -> {
                boolean deadline = "deadline".equals(cancelReason);
                status = deadline ? RunOutcome.Status.FAILED : RunOutcome.Status.INTERRUPTED;
                message = deadline ? "the run's deadline passed" : "interrupted (" + cancelReason + ")";
            }
            case DENIED -> {
                status = RunOutcome.Status.DENIED;
                message = deniedOn(hosts, ctx);
            }
            case ABORT -> {
                status = RunOutcome.Status.FAILED;
                message = firstFailure(rb, hosts, frame);
            }
            default -> {
                status = ctx.hostsDropped ? RunOutcome.Status.FAILED
                        : ctx.denied.isEmpty() ? RunOutcome.Status.SUCCEEDED : RunOutcome.Status.DENIED;
                message = ctx.hostsDropped ? "some hosts failed" : ctx.denied.isEmpty() ? null : deniedOn(hosts, ctx);
            }
        }
        // a plan takes no host through its steps: there is nothing to count
        Map<String, Integer> hostCounts = ctx.dryRun ? Map.of() : hostCounts(rb, hosts, frame);
        Map<String, Object> data = EventData.of("status", status.name().toLowerCase(java.util.Locale.ROOT),
                "exit_code", status.exitCode(), "message", message, "duration_ms", ms, "steps", new TreeMap<>(ctx.counts),
                "hosts", hostCounts);
        String type = status == RunOutcome.Status.INTERRUPTED ? "run.aborted" : "run.finished";
        ctx.emit(type, rb, null, null, data, true, req.actor());
        return new RunOutcome(ctx.runId, status, message, ms, new TreeMap<>(ctx.counts), hostCounts,
                List.copyOf(ctx.plan), services.audit().describe(), hosts.stream().map(Target::name).toList(), params);
    }

    /** "stopped at a gate that was not approved", naming the hosts it stopped when others went on. */
    private static String deniedOn(List<Target> hosts, RunContext ctx) {
        List<String> on = hosts.stream().map(Target::name).filter(ctx.denied::contains).toList();
        return "stopped at a gate that was not approved" + (on.isEmpty() || hosts.size() < 2 ? "" : " on " + String.join(", ", on));
    }

    /** Names the step that stopped the run, for the summary: "step 'x' failed on web1: exit code 3". */
    private static String firstFailure(Runbook rb, List<Target> hosts, Frame frame) {
        for (Step s : rb.allSteps()) {
            for (Target h : hosts) {
                StepResult r = frame.state().result(s.id(), h.name());
                if (r.failed() && !r.tolerated() && !(s.action() instanceof dev.runbook.model.Action.Block)
                        && !(s.action() instanceof dev.runbook.model.Action.Call)) {
                    return "step '" + s.id() + "' " + r.outcome().label() + (hosts.size() > 1 ? " on " + h.name() : "")
                            + (r.message() == null ? "" : ": " + r.message());
                }
            }
        }
        return "a step failed";
    }

    private static Map<String, Integer> hostCounts(Runbook rb, List<Target> hosts, Frame frame) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Target h : hosts) {
            counts.merge(hostOutcome(rb, h.name(), frame.state()), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * What happened to a host: {@code unreachable}, {@code failed}, {@code ok} (it went through
     * every step, skips and tolerated failures included), {@code not finished} (it ran some steps,
     * then the run stopped before the rest, or a gate was not approved or Ctrl-C stopped a step) or
     * {@code not started} (it ran none: max_failures held it back, or the run stopped first). Steps with their own {@code targets} are not the run's hosts' to finish.
     */
    static String hostOutcome(Runbook rb, String host, RunState state) {
        boolean failed = false;
        boolean stopped = false;
        boolean ran = false;
        for (Step s : rb.allSteps()) {
            StepResult r = state.result(s.id(), host);
            if (r.outcome() == StepResult.Outcome.UNREACHABLE) {
                return "unreachable";
            }
            // Ctrl-C, or a gate not approved: someone stopped the host; nothing on it failed
            boolean byDecision = r.outcome() == StepResult.Outcome.CANCELLED || r.outcome() == StepResult.Outcome.DENIED;
            stopped |= byDecision;
            failed |= r.failed() && !r.tolerated() && !byDecision;
            ran |= r.outcome() != StepResult.Outcome.NOT_RUN && !state.heldBack(s.id(), host);
        }
        if (failed) {
            return "failed";
        }
        boolean finished = !stopped && rb.steps().stream()
                .allMatch(s -> s.targets() != null || state.result(s.id(), host).outcome() != StepResult.Outcome.NOT_RUN);
        return finished ? "ok" : ran ? "not finished" : "not started";
    }
}
