package dev.runbook.schedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * The last fire of each schedule, for the in-memory store, which forgets everything when the daemon
 * stops: one small file per schedule in the state directory ({@code daemon/ID.last-fire}, an
 * instant), replaced at each fire. At the next start, the fires due since then and missed are
 * known, so {@code misfire: run-once} can run once for them and {@code skip} can say it skipped
 * them. (The clustered store keeps this in its own tables.)
 */
public final class LastFires {
    private final Path dir;
    private final UnaryOperator<Path> ensure;

    /** @param ensure creates {@code dir} (private) when missing, and returns it */
    public LastFires(Path dir, UnaryOperator<Path> ensure) {
        this.dir = dir;
        this.ensure = ensure;
    }

    /** The last fire recorded, or null (never fired here, or the file is unreadable). */
    Instant last(String schedule) {
        Path f = dir.resolve(schedule + ".last-fire");
        try {
            return Files.exists(f) ? Instant.parse(Files.readString(f).strip()) : null;
        } catch (IOException | DateTimeException e) {
            return null;
        }
    }

    /**
     * Notes a fire, unless a later one is noted already (a catch-up run for earlier fires may start
     * after the next regular one).
     *
     * @throws IOException when the state directory cannot be written
     */
    synchronized void record(String schedule, Instant fire) throws IOException {
        Instant known = last(schedule);
        if (known != null && !fire.isAfter(known)) {
            return;
        }
        Path d = ensure.apply(dir);
        Path tmp = Files.createTempFile(d, schedule, ".tmp");
        try {
            Files.writeString(tmp, fire.toString() + "\n");
            Files.move(tmp, d.resolve(schedule + ".last-fire"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
