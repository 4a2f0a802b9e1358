package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditReader;
import dev.runbook.audit.pg.PgAuditReader;
import dev.runbook.model.InvalidInputException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;

final class AuditExportCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions audit = new AuditOptions();
    String run;
    Path output;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("export", this, "Write the audit trail as JSONL: the same lines, byte for byte, as the file store holds.");
        common.addTo(cli);
        return audit.addTo(cli)
                .option("--run").label("RUN_ID").describe("Only this run (an id, a unique prefix, or 'last').").to(v -> run = v)
                .option("-o", "--output").type(Path.class).label("FILE")
                .describe("Write to FILE (created private, 0600) instead of stdout.").to(v -> output = v);
    }

    @Override
    public Integer call() throws IOException {
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        AuditStores stores = AuditStoreCommands.open(wiring, audit, term);
        try (AuditReader reader = stores.reader()) {
            String runId = null;
            if (run != null) {
                List<AuditEvent> events = reader.run(run);
                if (events.isEmpty()) {
                    throw InvalidInputException.usage("no run '" + run + "' in " + reader.describe() + " (see: runbook history)");
                }
                runId = events.get(0).runId();
            }
            long lines;
            try (Writer out = open()) {
                lines = reader.export(runId, out);
            }
            if (runId == null && reader instanceof PgAuditReader pg) {
                pg.checkpoint().ifPresent(cp -> term.err.println(term.dim("note: events before position " + cp.pos()
                        + " were dropped by a retention; the first line links to the checkpoint hash " + cp.hash() + ", not to genesis")));
            }
            if (output != null) {
                term.err.println(term.green("✓ " + lines + " event" + (lines == 1 ? "" : "s") + " written to " + output));
            }
        }
        return ExitCodes.OK;
    }

    private Writer open() throws IOException {
        if (output == null) {
            return new BufferedWriter(new OutputStreamWriter(new java.io.FilterOutputStream(System.out) {
                @Override
                public void close() throws IOException {
                    flush();  // stdout stays open for whatever prints next
                }
            }, StandardCharsets.UTF_8));
        }
        if (!Files.exists(output)) {
            Files.createFile(output, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return Files.newBufferedWriter(output, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }
}
