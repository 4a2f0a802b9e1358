package dev.runbook.engine;

import dev.runbook.model.FanOut;
import dev.runbook.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs a step over several hosts: {@code max_parallel} at once, in the step's own rolling
 * {@code batch}es, and no new host started once more hosts failed than it tolerates (running ones
 * finish). A runbook's batches are the engine's ({@link Batches}): each goes through every step.
 */
final class FanOutRunner {
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "host");
        t.setDaemon(true);
        return t;
    });

    private final RunContext ctx;

    FanOutRunner(RunContext ctx) {
        this.ctx = ctx;
    }

    /**
     * @param tolerated how many of these hosts may fail before no new one starts (a gate not
     *                  approved is not a failure)
     * @param heldBack  what becomes of a host not started because more than {@code max_failures} hosts failed
     *                  (called after the running ones finished); a host not started because the run was
     *                  interrupted is {@code not run}
     */
    Map<String, StepResult> run(List<Target> hosts, FanOut fo, int tolerated, Function<Target, StepResult> work,
                                Function<Target, StepResult> heldBack) {
        Map<String, StepResult> results = new LinkedHashMap<>();
        if (hosts.size() == 1) {
            results.put(hosts.get(0).name(), work.apply(hosts.get(0)));
            return results;
        }
        // a plan lists each host's entries in the order of hosts, whichever thread finished first
        Map<String, List<PlanEntry>> planned = new LinkedHashMap<>();
        if (ctx.dryRun()) {
            hosts.forEach(h -> planned.put(h.name(), java.util.Collections.synchronizedList(new ArrayList<>())));
        }
        Function<Target, StepResult> perHost = !ctx.dryRun() ? work
                : h -> ctx.planningInto(planned.get(h.name()), () -> work.apply(h));
        int parallel = fo.parallel(hosts.size());
        int batchSize = fo.batch() == null ? hosts.size() : Math.max(1, fo.batch().of(hosts.size()));
        AtomicInteger failures = new AtomicInteger();
        Semaphore slots = new Semaphore(parallel);
        Map<String, Future<StepResult>> futures = new LinkedHashMap<>();
        List<Target> held = new ArrayList<>();
        for (int from = 0; from < hosts.size(); from += batchSize) {
            List<Target> batch = hosts.subList(from, Math.min(hosts.size(), from + batchSize));
            List<String> names = new ArrayList<>();
            for (Target host : batch) {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (failures.get() > tolerated || ctx.cancel.isCancelled()) {
                    if (!ctx.cancel.isCancelled()) {
                        held.add(host);
                    }
                    slots.release();
                    continue;
                }
                names.add(host.name());
                futures.put(host.name(), POOL.submit(() -> {
                    try {
                        StepResult r = perHost.apply(host);
                        if (r.failed() && r.outcome() != StepResult.Outcome.DENIED) {
                            failures.incrementAndGet();
                        }
                        return r;
                    } finally {
                        slots.release();
                    }
                }));
            }
            // every host of the batch is waited for, even after one failed the run (the audit trail
            // refused an event): the others were stopped, and must have ended before the run ends
            RuntimeException failure = null;
            for (String name : names) {
                try {
                    results.put(name, await(futures.get(name)));
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
        planned.values().forEach(entries -> entries.forEach(ctx::planned));
        for (Target h : hosts) {
            if (!results.containsKey(h.name())) {
                results.put(h.name(), held.contains(h) ? heldBack.apply(h)
                        : StepResult.of(StepResult.Outcome.NOT_RUN, "interrupted", Map.of(), 0));
            }
        }
        return results;
    }

    private static StepResult await(Future<StepResult> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted", Map.of(), 0);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            return StepResult.failed(String.valueOf(c), Map.of(), 0);
        }
    }
}
