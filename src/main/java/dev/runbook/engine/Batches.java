package dev.runbook.engine;

import dev.runbook.model.Runbook;
import dev.runbook.model.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a run's hosts through its steps, batch by batch: each batch through every step (step by
 * step over the batch's hosts, {@code max_parallel} at once) before the next batch starts, as
 * Ansible's {@code serial:}. The batch is the runbook's {@code batch}, one host for
 * {@code strategy: serial}, else all the hosts (one batch: step by step over all of them).
 *
 * <p>No new batch starts once more than {@code max_failures} hosts failed (counted over the whole
 * run), after a gate was not approved, or once the run is interrupted. A batch whose every host
 * failed, within {@code max_failures}, leaves the run to the next one. A done batch's connections
 * are closed: a large fleet never holds them all open.
 */
final class Batches {
    private final RunContext ctx;
    private final Interpreter interpreter;
    private final List<Target> started = new ArrayList<>();

    Batches(RunContext ctx, Interpreter interpreter) {
        this.ctx = ctx;
        this.interpreter = interpreter;
    }

    /** The hosts whose batch started: the ones the run's {@code finally} steps run on. */
    List<Target> started() {
        return started;
    }

    Interpreter.Flow run(Runbook rb, List<Target> hosts, Frame frame) {
        int size = rb.fanOut().runBatch(hosts.size());
        List<Target> survivors = new ArrayList<>();
        boolean someFailed = false;
        for (int from = 0; from < hosts.size() || from == 0; from += size) {
            List<Target> batch = hosts.subList(from, Math.min(hosts.size(), from + size));
            Interpreter.Flow stop = from == 0 ? null : stopBefore(rb, hosts.subList(from, hosts.size()), frame, survivors);
            if (stop != null) {
                return stop;
            }
            started.addAll(batch);
            Interpreter.Flow f = interpreter.steps(rb.steps(), batch, frame, "steps");
            if (f.signal() == Interpreter.Signal.CONTINUE) {
                survivors.addAll(f.hosts());
            } else if (f.signal() == Interpreter.Signal.ABORT && everyHostFailed(rb, batch, frame)) {
                someFailed = true;
            } else {
                // the batch stopped the run
                holdBack(rb, hosts.subList(Math.min(hosts.size(), from + size), hosts.size()), frame);
                return new Interpreter.Flow(f.signal(), survivors);
            }
            if (from + size < hosts.size()) {
                ctx.closeRunners(batch);
            }
        }
        return new Interpreter.Flow(someFailed ? Interpreter.Signal.ABORT : Interpreter.Signal.CONTINUE, survivors);
    }

    /** Why the batches from {@code rest} on do not start, or null when they do. */
    private Interpreter.Flow stopBefore(Runbook rb, List<Target> rest, Frame frame, List<Target> survivors) {
        if (ctx.cancel.isCancelled()) {
            return new Interpreter.Flow(Interpreter.Signal.CANCELLED, survivors);
        }
        if (ctx.failures.exceeded()) {
            holdBack(rb, rest, frame);
            return new Interpreter.Flow(Interpreter.Signal.ABORT, survivors);
        }
        if (!ctx.denied.isEmpty()) {
            // a rolling change that someone did not approve on one host is not rolled on to the next
            return new Interpreter.Flow(Interpreter.Signal.DENIED, survivors);
        }
        return null;
    }

    /** Hosts that max_failures keeps from starting: audited as such at the first step. */
    private void holdBack(Runbook rb, List<Target> rest, Frame frame) {
        if (!ctx.failures.exceeded() || rb.steps().isEmpty()) {
            return;
        }
        for (Target later : rest) {
            interpreter.notStarted(rb.steps().get(0), later, frame, ctx.failures.allowed());
        }
    }

    private static boolean everyHostFailed(Runbook rb, List<Target> batch, Frame frame) {
        for (Target h : batch) {
            String outcome = Engine.hostOutcome(rb, h.name(), frame.state());
            if (!outcome.equals("failed") && !outcome.equals("unreachable")) {
                return false;
            }
        }
        return true;
    }
}
