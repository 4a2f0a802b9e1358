package dev.runbook.engine;

import dev.runbook.audit.AuditEvent;
import dev.runbook.model.Runbook;
import java.time.Duration;
import java.util.Map;

/**
 * What to run and how.
 *
 * @param params   raw {@code -p key=value} strings, converted against the runbook's declarations
 * @param targets  a pattern overriding the runbook's {@code targets}, or null
 * @param limit    a pattern further limiting the hosts, or null
 * @param dryRun   plan only: nothing that changes anything runs
 * @param probe    with dryRun: readonly steps run for real
 * @param deadline overrides the runbook's deadline, or null
 * @param trigger  what started it: cli, schedule:ID
 * @param scheduledAt for a scheduled run, the fire time it was scheduled for (audited), else null
 * @param missedSince for a scheduled run that makes up for fires missed while no daemon could fire
 *                    them, the first of those ({@code scheduledAt} is the last); else null
 */
public record RunRequest(Runbook runbook, Map<String, String> params, String targets, String limit,
                         boolean dryRun, boolean probe, AuditEvent.Actor actor, Duration deadline, String trigger,
                         java.time.Instant scheduledAt, java.time.Instant missedSince) {
    public RunRequest {
        params = Map.copyOf(params);
    }

    public RunRequest(Runbook runbook, Map<String, String> params, String targets, String limit, boolean dryRun,
                      boolean probe, AuditEvent.Actor actor, Duration deadline, String trigger) {
        this(runbook, params, targets, limit, dryRun, probe, actor, deadline, trigger, null, null);
    }
}
