package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.pg.PgAuditStore;
import dev.runbook.audit.pg.Retention;
import dev.runbook.model.InvalidInputException;
import java.util.concurrent.Callable;

final class AuditRetentionCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions audit = new AuditOptions();
    int keepMonths;
    boolean dryRun;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("retention", this, "Drop the PostgreSQL audit trail's monthly partitions older than --keep-months.",
                "A checkpoint records where the chain is cut, so 'audit verify' still checks what remains; the retention itself is audited.");
        common.addTo(cli);
        return audit.addTo(cli)
                .option("--keep-months").type(int.class).required().label("N")
                .describe("Keep the current month and the N months before it.").to(v -> keepMonths = v)
                .flag("--dry-run").describe("Say what would be dropped; drop nothing.").to(v -> dryRun = v);
    }

    @Override
    public Integer call() {
        if (keepMonths < 0) {
            throw InvalidInputException.usage("--keep-months must be 0 or more, not " + keepMonths);
        }
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        PgAuditStore pg = AuditStoreCommands.open(wiring, audit, term).postgres("audit retention");
        Retention.Result r = pg.retention(keepMonths, dryRun,
                new AuditEvent.Actor(Wiring.user(wiring.env), term.interactive ? "tty" : "cli"));
        if (r.partitions().isEmpty()) {
            term.out.println("nothing to drop: no partition of " + pg.describe() + " is older than " + r.cutBefore());
            return ExitCodes.OK;
        }
        String what = r.partitions().size() + " partition" + (r.partitions().size() == 1 ? "" : "s") + " ("
                + String.join(", ", r.partitions()) + ") holding " + r.events() + " event" + (r.events() == 1 ? "" : "s")
                + " recorded before " + r.cutBefore();
        if (r.dryRun()) {
            term.out.println("would drop " + what);
            return ExitCodes.OK;
        }
        term.out.println(term.green("✓ dropped " + what));
        if (r.checkpoint() > 0) {
            term.out.println(term.dim("audit verify now starts at the checkpoint after position " + r.checkpoint()));
        }
        return ExitCodes.OK;
    }
}
