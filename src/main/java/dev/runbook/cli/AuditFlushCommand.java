package dev.runbook.cli;

import dev.runbook.audit.pg.PgAuditStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;

final class AuditFlushCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions audit = new AuditOptions();

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("flush", this,
                "Deliver the events spooled while PostgreSQL was unreachable (each is stored once, however often delivered).");
        common.addTo(cli);
        return audit.addTo(cli);
    }

    @Override
    public Integer call() {
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        AuditStores stores = AuditStoreCommands.open(wiring, audit, term);
        PgAuditStore pg = stores.postgres("audit flush");
        wiring.state.check();  // it deletes what it delivers: only from a spool no one else controls
        PgAuditStore.Flushed f = pg.flush();
        Path spool = wiring.state.root().resolve("spool");
        if (f.files() == 0 && f.held().isEmpty()) {
            term.out.println("nothing to deliver: no spooled events in " + spool);
            return ExitCodes.OK;
        }
        if (f.files() > 0) {
            term.out.println(term.green("✓ " + f.inserted() + " spooled event" + (f.inserted() == 1 ? "" : "s") + " delivered to "
                    + pg.describe() + " from " + f.files() + " file" + (f.files() == 1 ? "" : "s")
                    + (f.duplicates() == 0 ? "" : " (" + f.duplicates() + " were already stored)")));
        }
        if (f.torn() > 0) {
            term.err.println(term.dim(f.torn() + " incomplete last line" + (f.torn() == 1 ? "" : "s")
                    + " skipped: left by a crash during a write that never returned, so no step relied on it"));
        }
        for (Path held : f.held()) {
            term.err.println(term.yellow("runbook: " + held + " is still being written by a running process: delivered when it ends"));
        }
        for (Path kept : f.kept()) {
            term.err.println(term.red("runbook: " + kept + ": lines that are not events were kept there, the others delivered"));
        }
        return f.kept().isEmpty() ? ExitCodes.OK : ExitCodes.STEP_FAILED;
    }
}
