package dev.runbook.audit;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Reads an audit store back: runs for {@code history}, one run for {@code show}, the chain for
 * {@code audit verify}, and the events as JSONL for {@code audit export}. The file store and
 * PostgreSQL answer alike.
 *
 * @throws AuditException from every method when the store cannot be read (a one-line message)
 */
public interface AuditReader extends AutoCloseable {

    /** Runs, newest first, of {@code runbook} (null: of every runbook), at most {@code limit}. */
    List<History.Run> runs(String runbook, int limit);

    /** The events of one run in order: an exact id, a unique prefix, or {@code last}; empty when none. */
    List<AuditEvent> run(String runId);

    /**
     * The ids of the runs whose id starts with {@code prefix}, sorted, at most {@code limit}: what an
     * ambiguous prefix, for which {@link #run} is empty, could have meant.
     */
    List<String> runIds(String prefix, int limit);

    /** Checks the hash chain from its start (or the retention checkpoint) to its newest event. */
    default ChainReport verify() {
        return verify(null);
    }

    /**
     * As {@link #verify()}, also looking for an event whose hash starts with {@code expectHead}
     * (lower case; null: none), a head noted earlier outside the store.
     */
    ChainReport verify(String expectHead);

    /**
     * Writes the stored lines, each followed by a newline, in chain order: byte for byte the
     * lines the file store holds for the same events.
     *
     * @param runId only this run's events; null for all
     * @return the number of lines written
     */
    long export(String runId, Writer out) throws IOException;

    /** Where the trail is, for messages ({@code /path/audit.jsonl}, {@code postgres host:port/db}). */
    String describe();

    @Override
    void close();
}
