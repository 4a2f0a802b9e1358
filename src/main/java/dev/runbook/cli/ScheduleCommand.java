package dev.runbook.cli;

import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Visible;
import dev.runbook.schedule.Schedule;
import dev.runbook.schedule.ScheduleLoader;
import dev.runbook.load.RunbookPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

final class ScheduleCommand implements CliSpec.Command {
    static final String DIR = "Directory of schedule files (default: schedules).";

    @Override
    public CliSpec spec() {
        return CommonOptions.addToGroup(CliSpec.command("schedule", this, "Schedules the daemon fires (schedules/*.yaml and runbooks' schedule: blocks).")
                .subcommand(new ListSchedules()).subcommand(new Validate()));
    }

    /**
     * The schedules directory to read: one named with {@code --dir} must be a directory, or a typo
     * would pass as "no schedules"; the default {@code schedules} may be absent.
     */
    static Path schedulesDir(Path dir, boolean given) {
        if (given && !Files.exists(dir)) {
            throw InvalidInputException.usage("--dir " + dir + ": no such directory");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw InvalidInputException.usage((given ? "--dir " : "") + dir + ": not a directory");
        }
        return dir;
    }

    /** Prints the loader's warnings on stderr; how many. */
    static int warn(Terminal term, List<dev.runbook.model.Diagnostic> warnings) {
        warnings.forEach(d -> term.err.println(term.yellow(d.toString())));
        term.err.flush();
        return warnings.size();
    }

    /** Where schedules were looked for, when none were found. */
    static String whereLooked(Path dir, RunbookPaths paths) {
        Path abs = dir.toAbsolutePath().normalize();
        return (Files.isDirectory(dir) ? "no schedule files in " + abs + "/" : "no directory " + abs + "/")
                + ", and no schedule: block in the runbooks on the search path (" + paths.describe() + ")";
    }

    static final class ListSchedules implements Callable<Integer>, CliSpec.Command {
        final CommonOptions common = new CommonOptions();
        CliSpec cli;
        Path dir;
        int next;

        @Override
        public CliSpec spec() {
            cli = common.addTo(CliSpec.command("list", this, "Each schedule with its next fire times."))
                    .option("--dir").type(Path.class).label("DIR").defaultValue("schedules").describe(DIR).to(v -> dir = v)
                    .option("--next").type(int.class).label("N").defaultValue("3").describe("How many fire times to show (default 3).").to(v -> next = v);
            return cli;
        }

        @Override
        public Integer call() {
            if (next < 1) {
                throw InvalidInputException.usage("--next " + next + ": give a number of fire times, 1 or more");
            }
            Terminal term = Terminal.system(common.noColor);
            Wiring wiring = Wiring.fromSystem();
            Path from = schedulesDir(dir, cli.given("--dir"));
            ScheduleLoader loader = new ScheduleLoader(wiring.loader);
            List<Schedule> schedules = loader.load(from);
            warn(term, loader.warnings());
            if (schedules.isEmpty()) {
                term.out.println("no schedules: " + whereLooked(from, wiring.loader.paths()));
                return ExitCodes.OK;
            }
            DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");
            for (Schedule s : schedules) {
                term.out.println(term.bold(Visible.line(s.id())) + "  " + Visible.line(dev.runbook.load.RunbookLoader.label(s.runbook())) + "  "
                        + term.dim(Visible.line("cron '" + s.cron() + "' " + s.timeZone().getId()
                        + ", misfire " + s.misfire().name().toLowerCase().replace('_', '-') + ", overlap " + s.overlap().name().toLowerCase()
                        + (s.approve().isEmpty() ? "" : ", approves " + String.join(", ", s.approve()))
                        + (s.enabled() ? "" : ", DISABLED"))));
                if (!s.enabled()) {
                    term.out.println("    next: none (disabled)");
                    continue;
                }
                for (ZonedDateTime t : s.nextFires(Instant.now(), next)) {
                    term.out.println("    next: " + f.format(t));
                }
            }
            return ExitCodes.OK;
        }
    }

    static final class Validate implements Callable<Integer>, CliSpec.Command {
        final CommonOptions common = new CommonOptions();
        CliSpec cli;
        Path dir;
        Path inventory;

        @Override
        public CliSpec spec() {
            cli = common.addTo(CliSpec.command("validate", this, "Check cron expressions, time zones and references; exit 2 on any problem."))
                    .option("--dir").type(Path.class).label("DIR").defaultValue("schedules").describe(DIR).to(v -> dir = v)
                    .option("-i", "--inventory").type(Path.class).label("FILE")
                    .describe("Check targets against this inventory (default: RUNBOOK_INVENTORY or inventory/hosts.yaml, when there is one).")
                    .to(v -> inventory = v);
            return cli;
        }

        @Override
        public Integer call() {
            Terminal term = Terminal.system(common.noColor);
            Wiring wiring = Wiring.fromSystem();
            Path from = schedulesDir(dir, cli.given("--dir"));
            // without an inventory there are no targets to check against: the daemon checks them against its own
            dev.runbook.engine.Hosts hosts = wiring.hosts(inventory);
            ScheduleLoader loader = new ScheduleLoader(wiring.loader, hosts == dev.runbook.engine.Hosts.LOCAL_ONLY ? null : hosts);
            List<Schedule> schedules = loader.load(from);
            int warnings = warn(term, loader.warnings());
            term.out.println(term.green("✓ " + schedules.size() + " schedule" + (schedules.size() == 1 ? "" : "s") + " valid"
                    + (warnings > 0 ? ", " + warnings + " warning" + (warnings == 1 ? "" : "s") : "")
                    + (schedules.isEmpty() ? " (" + whereLooked(from, wiring.loader.paths()) + ")" : "")));
            return ExitCodes.OK;
        }
    }
}
