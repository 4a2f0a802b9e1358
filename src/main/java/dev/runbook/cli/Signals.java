package dev.runbook.cli;

import dev.runbook.engine.RunControl;
import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM interrupt the run through the engine, so the running step's processes are
 * killed and {@code finally} runs, instead of the JVM just exiting. The handler never waits on a
 * lock: it interrupts first and tells the person on stderr.
 */
final class Signals {
    private Signals() {}

    static void install(RunControl control, Terminal term) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    boolean first = control.interrupts() == 0;
                    control.interrupt("SIG" + name);
                    if (term != null) {
                        term.err.println(term.yellow(first
                                ? "! interrupted: stopping the running step, then running finally steps (again to stop those too)"
                                : "! interrupted again: stopping the finally steps"));
                        term.err.flush();
                    }
                });
            } catch (IllegalArgumentException e) {
                // the platform does not know this signal; Ctrl-C then ends the JVM as usual
            }
        }
    }
}
