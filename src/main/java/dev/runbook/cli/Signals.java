package dev.runbook.cli;

import dev.runbook.engine.RunControl;
import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM interrupt the run through the engine, so the running step's processes are
 * killed and {@code finally} runs, instead of the JVM just exiting.
 */
final class Signals {
    private Signals() {}

    static void install(RunControl control, Console console) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    String reason = "SIG" + name;
                    if (console != null) {
                        console.notice(control.interrupts() == 0
                                ? "interrupted: stopping the running step, then running finally steps (again to stop those too)"
                                : "interrupted again: stopping the finally steps");
                    }
                    control.interrupt(reason);
                });
            } catch (IllegalArgumentException e) {
                // the platform does not know this signal; Ctrl-C then ends the JVM as usual
            }
        }
    }
}
