package dev.runbook.audit;

import java.util.List;

/**
 * What verifying a trail's hash chain found.
 *
 * @param events  events whose hash and link verified
 * @param from    where verification started: {@code genesis}, or the checkpoint a retention left
 * @param breakAt null when intact; else where the chain first breaks, in the store's terms
 *                ({@code line 12} for a file, {@code run R seq N (position P)} for PostgreSQL)
 * @param problem what is wrong at {@code breakAt}
 * @param notes   things that are not tampering (torn lines, a retention checkpoint)
 * @param head    where the newest event verified is ({@code line 12}, {@code position 40}); null
 *                when there is none or the chain is broken
 * @param headHash that event's hash
 * @param expectedAt where the first event whose hash starts with the one expected is; null when
 *                   none is, or none was asked for
 */
public record ChainReport(long events, String from, String breakAt, String problem, List<String> notes, String head,
                          String headHash, String expectedAt) {
    public ChainReport {
        notes = List.copyOf(notes);
    }

    public ChainReport(long events, String from, String breakAt, String problem, List<String> notes) {
        this(events, from, breakAt, problem, notes, null, null, null);
    }

    public boolean intact() {
        return breakAt == null;
    }

    static ChainReport of(ChainVerifier.Report r) {
        return new ChainReport(r.events(), "genesis", r.intact() ? null : "line " + r.breakLine(), r.problem(), r.notes(),
                r.headLine() == 0 ? null : "line " + r.headLine(), r.headHash(), r.expectedLine() == 0 ? null : "line " + r.expectedLine());
    }
}
