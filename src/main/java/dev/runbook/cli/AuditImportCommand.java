package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.pg.Import;
import dev.runbook.audit.pg.PgAuditStore;
import dev.runbook.model.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

final class AuditImportCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions audit = new AuditOptions();
    Path file;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("import", this,
                "Load a JSONL audit file into PostgreSQL: its chain is verified first; events already stored are skipped.");
        common.addTo(cli);
        return audit.addTo(cli).positional(0, Path.class).label("FILE")
                .describe("A JSONL audit file (such as audit.jsonl of a state directory).").to(v -> file = v);
    }

    @Override
    public Integer call() {
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        if (!Files.isRegularFile(file)) {
            throw InvalidInputException.usage(file + ": no such audit file");
        }
        PgAuditStore pg = AuditStoreCommands.open(wiring, audit, term).postgres("audit import");
        Import.Result r = pg.importFile(file, new AuditEvent.Actor(Wiring.user(wiring.env), term.interactive ? "tty" : "cli"));
        term.out.println(term.green("✓ " + file + ": chain intact; " + r.inserted() + " of " + r.events() + " event"
                + (r.events() == 1 ? "" : "s") + " imported into " + pg.describe()
                + (r.duplicates() == 0 ? "" : " (" + r.duplicates() + " were already stored)")));
        if (r.skipped() > 0) {
            term.err.println(term.dim(r.skipped() + " record" + (r.skipped() == 1 ? "" : "s")
                    + " about the file's own chain (audit.torn, audit.truncated) not imported"));
        }
        return ExitCodes.OK;
    }
}
