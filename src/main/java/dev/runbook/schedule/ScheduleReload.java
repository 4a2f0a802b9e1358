package dev.runbook.schedule;

import dev.runbook.model.InvalidInputException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * When a running daemon loads its schedules again: the files changed (and then stayed the same for
 * a tick, since an editor may be mid-write), or SIGHUP asked. Schedules that do not load leave the
 * running ones as they are, with one line per problem.
 */
final class ScheduleReload {
    private final ScheduleSource source;
    private final Consumer<String> log;
    private final AtomicBoolean asked = new AtomicBoolean();
    private String stamp;
    private String settling;

    ScheduleReload(ScheduleSource source, Consumer<String> log) {
        this.source = source;
        this.log = log;
    }

    /** The files as the schedules were loaded at start. */
    void started() {
        stamp = source.stamp();
    }

    /** SIGHUP: load at the next tick, whether or not the files look changed. */
    void ask() {
        asked.set(true);
    }

    /** The schedules as the files now say, when they say something new and load; else null. Called by one thread. */
    ScheduleSet next(ScheduleSet current) {
        boolean forced = asked.getAndSet(false);
        String now = source.stamp();
        if (!forced && (now.equals(stamp) || !now.equals(settling))) {
            settling = now.equals(stamp) ? null : now;
            return null;
        }
        settling = null;
        stamp = now;
        String why = forced ? "reload (SIGHUP)" : "reload (files changed)";
        try {
            ScheduleSource.Loaded loaded = source.load();
            loaded.warnings().forEach(w -> log.accept(why + ": " + w));
            ScheduleSet next = ScheduleSet.of(loaded.schedules());
            List<String> changes = current.changesTo(next);
            if (changes.isEmpty()) {
                log.accept(why + ": schedules unchanged (" + current.size() + ")");
                return null;
            }
            if (next.size() == 0) {
                log.accept(why + ": no enabled schedule left; the running schedules stay (stop the daemon to fire none)");
                return null;
            }
            log.accept(why + ": " + String.join("; ", changes));
            return next;
        } catch (InvalidInputException e) {
            log.accept(why + ": not reloaded, " + e.diagnostics().size() + " problem(s); the running schedules stay as they were:");
            e.diagnostics().forEach(d -> log.accept("  " + d));
            return null;
        }
    }
}
