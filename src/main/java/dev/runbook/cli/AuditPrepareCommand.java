package dev.runbook.cli;

import dev.runbook.audit.pg.PgAuditStore;
import dev.runbook.model.InvalidInputException;
import java.util.concurrent.Callable;

final class AuditPrepareCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions audit = new AuditOptions();
    int monthsAhead = PgAuditStore.MONTHS_AHEAD;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("prepare", this,
                "Create or migrate the PostgreSQL audit tables and the monthly partitions ahead, as the role that owns them.",
                "Roles that may only append cannot: run this from the owner's periodic job, before the months it covers run out.");
        common.addTo(cli);
        return audit.addTo(cli)
                .option("--months-ahead").type(int.class).label("N").defaultValue(String.valueOf(PgAuditStore.MONTHS_AHEAD))
                .describe("Partitions for this month and the N after it (default " + PgAuditStore.MONTHS_AHEAD + ").")
                .to(v -> monthsAhead = v);
    }

    @Override
    public Integer call() {
        if (monthsAhead < 0 || monthsAhead > 120) {
            throw InvalidInputException.usage("--months-ahead must be 0 to 120, not " + monthsAhead);
        }
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        PgAuditStore pg = AuditStoreCommands.open(wiring, audit, term).postgres("audit prepare");
        PgAuditStore.Prepared p = pg.prepare(monthsAhead);
        term.out.println(term.green("✓ " + pg.describe() + ": tables at version " + p.version() + ", owned by role '" + p.owner()
                + "'; partitions through " + p.through()
                + (p.created().isEmpty() ? "" : " (created " + String.join(", ", p.created()) + ")")));
        return ExitCodes.OK;
    }
}
