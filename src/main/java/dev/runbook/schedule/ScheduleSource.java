package dev.runbook.schedule;

import dev.runbook.engine.Hosts;
import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where a daemon's schedules come from, read again when they change: the schedule files of a
 * directory and the {@code schedule:} blocks of the runbooks on the search path, checked against
 * the runbooks and the inventory as they are at that moment.
 *
 * @param runbooks a fresh loader each time (a loader keeps the runbooks it read)
 * @param hosts    the inventory the targets are checked against; read again each time
 */
public record ScheduleSource(Path dir, Supplier<RunbookLoader> runbooks, Supplier<Hosts> hosts) {

    /** The schedules and the warnings about them. */
    public record Loaded(List<Schedule> schedules, List<Diagnostic> warnings) {}

    /** @throws dev.runbook.model.InvalidInputException with every problem found */
    public Loaded load() {
        ScheduleLoader loader = new ScheduleLoader(runbooks.get(), hosts.get());
        List<Schedule> schedules = loader.load(dir);
        return new Loaded(schedules, loader.warnings());
    }

    /**
     * What the files look like now (names, sizes, modification times), cheap enough to take every
     * few seconds: when it changes, {@link #load} again.
     */
    public String stamp() {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().matches(".*\\.ya?ml$")).sorted().forEach(files::add);
            } catch (IOException e) {
                return "unreadable " + dir + ": " + e.getMessage();
            }
        }
        files.addAll(runbooks.get().paths().all());
        StringBuilder b = new StringBuilder();
        for (Path f : files) {
            b.append(f).append(' ');
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                b.append(a.size()).append(' ').append(a.lastModifiedTime().toMillis()).append(' ').append(a.fileKey());
            } catch (IOException e) {
                b.append("gone");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
