package dev.runbook.cli;

import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Diagnostic;
import dev.runbook.schedule.ScheduleLoader;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

final class ValidateCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    List<Path> paths = new ArrayList<>();
    Path inventory;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("validate", this, "Check runbooks and report every problem at once (exit 2 if any).");
        return common.addTo(cli).positionals(Path.class).label("FILE|DIR")
                .describe("Runbook files or directories (default: every runbook on the search path).").to(v -> paths = v)
                .option("-i", "--inventory").type(Path.class).label("FILE|DIR")
                .describe("Also check this inventory, with its group_vars and host_vars.").to(v -> inventory = v);
    }

    /** The inventory's problems, printed as the runbooks' are; whether it loads. */
    private boolean checkInventory(Terminal term, int[] counts) {
        List<Diagnostic> found;
        boolean ok;
        try {
            found = dev.runbook.inventory.Inventory.load(inventory).warnings();
            ok = true;
        } catch (dev.runbook.model.InvalidInputException e) {
            found = e.diagnostics();
            ok = false;
        }
        for (Diagnostic d : found) {
            term.err.println(d.isError() ? term.red(d.toString()) : term.yellow(d.toString()));
            counts[d.isError() ? 0 : 1]++;
        }
        return ok;
    }

    /**
     * The runbook files up to three levels below {@code dir}, sorted; a directory that cannot be read
     * goes to {@code unreadable}, and the others are still searched.
     */
    private static List<Path> runbooksUnder(Path dir, Wiring wiring, List<Path> unreadable) throws IOException {
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(dir, java.util.EnumSet.noneOf(java.nio.file.FileVisitOption.class), 3, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                // a link is checked like a file: one that leads nowhere, or in a loop, is reported, not skipped
                if ((attrs.isRegularFile() || attrs.isSymbolicLink()) && f.toString().matches(".*\\.ya?ml$")
                        && !wiring.loader.paths().isConfigFile(f)) {
                    found.add(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                if (e instanceof AccessDeniedException) {
                    unreadable.add(f);
                    return FileVisitResult.CONTINUE;
                }
                throw new java.io.UncheckedIOException(e);
            }
        });
        found.sort(null);
        return found;
    }

    @Override
    public Integer call() throws IOException {
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        List<Path> files = new ArrayList<>();
        List<Path> unreadable = new ArrayList<>();
        if (paths.isEmpty()) {
            files.addAll(wiring.loader.paths().all());
        }
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                files.addAll(runbooksUnder(p, wiring, unreadable));
            } else {
                files.add(p);
            }
        }
        for (Path dir : unreadable) {
            term.err.println(term.red(dir + ": error: cannot read: permission denied"));
        }
        if (files.isEmpty() && !unreadable.isEmpty()) {
            return ExitCodes.INVALID_INPUT;
        }
        if (files.isEmpty()) {
            term.err.println("runbook: error: no runbooks to validate (give files or directories; the search path is "
                    + wiring.loader.paths().describe() + ")");
            return ExitCodes.INVALID_INPUT;
        }
        int[] counts = new int[2];
        boolean inventoryOk = inventory == null || checkInventory(term, counts);
        int errors = counts[0];
        int warnings = counts[1];
        int bad = 0;
        for (Path f : files) {
            RunbookLoader.Loaded l = wiring.loader.load(f);
            List<Diagnostic> diagnostics = l.diagnostics();
            boolean ok = l.ok();
            if (ok && l.runbook().scheduled()) {
                // a runbook's own schedule: block, checked as the daemon will read it
                List<Diagnostic> schedule = new ScheduleLoader(wiring.loader).checkBlock(f);
                diagnostics = java.util.stream.Stream.concat(diagnostics.stream(), schedule.stream()).sorted(Diagnostic.ORDER).toList();
                ok = schedule.stream().noneMatch(Diagnostic::isError);
            }
            for (Diagnostic d : diagnostics) {
                term.err.println(d.isError() ? term.red(d.toString()) : term.yellow(d.toString()));
                if (d.isError()) {
                    errors++;
                } else {
                    warnings++;
                }
            }
            if (!ok) {
                bad++;
            }
        }
        String summary = files.size() - bad + " of " + files.size() + " runbook" + (files.size() == 1 ? "" : "s") + " valid"
                + (unreadable.isEmpty() ? "" : ", " + unreadable.size() + " unreadable director" + (unreadable.size() == 1 ? "y" : "ies"))
                + (inventory == null ? "" : inventoryOk ? ", inventory valid" : ", inventory invalid")
                + (errors > 0 ? ", " + errors + " error" + (errors == 1 ? "" : "s") : "")
                + (warnings > 0 ? ", " + warnings + " warning" + (warnings == 1 ? "" : "s") : "");
        boolean ok = bad == 0 && unreadable.isEmpty() && inventoryOk;
        term.out.println(ok ? term.green("✓ " + summary) : term.red("✗ " + summary));
        return ok ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }
}
