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
 */
public record ChainReport(long events, String from, String breakAt, String problem, List<String> notes) {
    public ChainReport {
        notes = List.copyOf(notes);
    }

    public boolean intact() {
        return breakAt == null;
    }

    static ChainReport of(ChainVerifier.Report r) {
        return new ChainReport(r.events(), "genesis", r.intact() ? null : "line " + r.breakLine(), r.problem(), r.notes());
    }
}
