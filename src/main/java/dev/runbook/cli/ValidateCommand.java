package dev.runbook.cli;

import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Diagnostic;
import dev.runbook.schedule.ScheduleLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

final class ValidateCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    List<Path> paths = new ArrayList<>();

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("validate", this, "Check runbooks and report every problem at once (exit 2 if any).");
        return common.addTo(cli).positionals(Path.class).label("FILE|DIR")
                .describe("Runbook files or directories (default: every runbook on the search path).").to(v -> paths = v);
    }

    @Override
    public Integer call() throws IOException {
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        List<Path> files = new ArrayList<>();
        if (paths.isEmpty()) {
            files.addAll(wiring.loader.paths().all());
        }
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p, 3)) {
                    s.filter(f -> Files.isRegularFile(f) && f.toString().matches(".*\\.ya?ml$") && !wiring.loader.paths().isConfigFile(f))
                            .sorted().forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        if (files.isEmpty()) {
            term.err.println("runbook: no runbooks to validate (give files or directories; the search path is "
                    + wiring.loader.paths().describe() + ")");
            return ExitCodes.INVALID_INPUT;
        }
        int errors = 0;
        int warnings = 0;
        int bad = 0;
        for (Path f : files) {
            RunbookLoader.Loaded l = wiring.loader.load(f);
            List<Diagnostic> diagnostics = l.diagnostics();
            boolean ok = l.ok();
            if (ok && Files.readString(f).contains("schedule")) {
                // a runbook's own schedule: block, checked as the daemon will read it
                List<Diagnostic> schedule = new ScheduleLoader(wiring.loader).checkBlock(f);
                diagnostics = Stream.concat(diagnostics.stream(), schedule.stream()).sorted(Diagnostic.ORDER).toList();
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
                + (errors > 0 ? ", " + errors + " error" + (errors == 1 ? "" : "s") : "")
                + (warnings > 0 ? ", " + warnings + " warning" + (warnings == 1 ? "" : "s") : "");
        term.out.println(bad == 0 ? term.green("✓ " + summary) : term.red("✗ " + summary));
        return bad == 0 ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }
}
