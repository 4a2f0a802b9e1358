package dev.runbook.cli;

import dev.runbook.audit.AuditFiles;
import dev.runbook.audit.AuditReader;
import dev.runbook.audit.ChainReport;
import dev.runbook.audit.ChainVerifier;
import dev.runbook.model.Visible;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

final class AuditCommand implements CliSpec.Command {

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("audit", this, "Work with the audit trail.").subcommand(new Verify()).subcommand(new AuditExportCommand())
                .subcommand(new AuditImportCommand()).subcommand(new AuditFlushCommand()).subcommand(new AuditRetentionCommand())
                .subcommand(new AuditPrepareCommand());
        return CommonOptions.addToGroup(cli);
    }

    static final class Verify implements Callable<Integer>, CliSpec.Command {
        final CommonOptions common = new CommonOptions();
        final AuditOptions auditOptions = new AuditOptions();
        Path file;
        String expectHead;

        @Override
        public CliSpec spec() {
            CliSpec cli = CliSpec.command("verify", this, "Check the hash chain: exit 0 when intact, 1 with the line of the first break.");
            common.addTo(cli);
            return auditOptions.addTo(cli).positional(0, Path.class).optional().label("FILE")
                    .describe("An audit file (default: audit.jsonl of the state directory).").to(v -> file = v)
                    .option("--expect-head").label("HASH")
                    .describe("Fail unless the chain still holds this event: a head an earlier verify printed, noted elsewhere.")
                    .to(v -> expectHead = v);
        }

        @Override
        public Integer call() throws IOException {
            String expect = ChainAnchor.parse(expectHead);
            Terminal term = Terminal.system(common.noColor);
            Wiring wiring = Wiring.fromSystem().withAudit(auditOptions);
            if (file == null && wiring.config().audit().postgres()) {
                return verify(wiring.stores(Wiring::toStderr), term, expect);
            }
            Path f = file != null ? file : wiring.state.auditFile();
            if (!Files.exists(f)) {
                term.err.println("runbook: error: " + f + ": no such audit file");
                return ExitCodes.INVALID_INPUT;
            }
            if (Files.isDirectory(f)) {
                term.err.println(f + ": error: is a directory, not an audit file");
                return ExitCodes.INVALID_INPUT;
            }
            ChainVerifier.Report r;
            try {
                r = ChainVerifier.verify(f, expect);
            } catch (AccessDeniedException e) {
                term.err.println(f + ": error: cannot read: permission denied");
                return ExitCodes.INVALID_INPUT;
            } catch (CharacterCodingException e) {
                return notText(f, term);
            }
            for (String note : r.notes()) {
                term.err.println(term.yellow(f + ": warning: " + Visible.line(note)));
            }
            if (r.intact()) {
                term.out.println(term.green("✓ " + f + ": " + r.events() + " events, chain intact"));
                return ChainAnchor.report(term, f.toString(), r.headLine() == 0 ? null : "line " + r.headLine(), r.headHash(),
                        expect, r.expectedLine() == 0 ? null : "line " + r.expectedLine(), null);
            }
            term.out.println(term.red("✗ " + f + ":" + r.breakLine() + ": " + Visible.line(r.problem())));
            term.out.println(term.dim(r.events() + " events verified before the break"));
            return ExitCodes.STEP_FAILED;
        }

        /** A file that is not UTF-8 from its first line is no audit trail (exit 2); one that stops being so later is a broken one. */
        private static int notText(Path f, Terminal term) {
            long line = AuditFiles.firstInvalidLine(f);
            if (line <= 1) {
                term.err.println(f + ": error: not an audit trail: invalid UTF-8" + (line == 1 ? " at line 1" : ""));
                return ExitCodes.INVALID_INPUT;
            }
            term.out.println(term.red("✗ " + f + ":" + line + ": not an audit event: invalid UTF-8"));
            return ExitCodes.STEP_FAILED;
        }

        private static int verify(AuditStores stores, Terminal term, String expect) {
            try (AuditReader reader = stores.reader()) {
                ChainReport r = reader.verify(expect);
                for (String note : r.notes()) {
                    term.err.println(term.yellow(reader.describe() + ": note: " + Visible.line(note)));
                }
                if (r.intact()) {
                    term.out.println(term.green("✓ " + reader.describe() + ": " + r.events() + " events, chain intact"
                            + (r.from().equals("genesis") ? "" : " from the " + r.from())));
                    return ChainAnchor.report(term, reader.describe(), r.head(), r.headHash(), expect, r.expectedAt(),
                            r.from().equals("genesis") ? null : r.from());
                }
                term.out.println(term.red("✗ " + reader.describe() + ": " + r.breakAt() + ": " + Visible.line(r.problem())));
                term.out.println(term.dim(r.events() + " events verified before the break"));
                return ExitCodes.STEP_FAILED;
            }
        }
    }
}
