package dev.runbook.cli;

import dev.runbook.audit.AuditException;
import dev.runbook.engine.LockedException;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Visible;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

public final class Main {

    public static void main(String[] args) {
        int code = Boolean.getBoolean(CdsPreload.PROPERTY) ? train(args) : run(args);
        // the JVM's exit waits up to 300 ms for threads blocked in native code, such as the HTTP client's
        dev.runbook.exec.HttpRunner.stopClientThreads();
        System.exit(code);
    }

    /**
     * The launcher's training run: the command, then the follow-up commands of
     * {@link CdsPreload#THEN_PROPERTY}, in one JVM. Its exit code is the first failure's, so that the
     * launcher drops an archive trained on a command that broke, as it does when the run breaks.
     */
    static int train(String[] args) {
        CdsPreload.load();
        CdsPreload.exerciseCrypto();
        int code = run(args);
        for (String[] then : CdsPreload.thenCommands()) {
            int next = run(then);
            code = code != 0 ? code : next;
        }
        return code;
    }

    /** Runs the CLI and returns its exit code; tests call this. */
    public static int run(String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        boolean debug = Arrays.asList(args).contains("--debug");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        quickPicocli();
        CommandLine cli = commandLine(args);
        if (args.length > 0 && !(cli.getCommandSpec().userObject() instanceof Main)) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String message = "runbook: error: " + lowerFirst(ex.getMessage());
            err.println(Visible.line(message));
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("see: " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            err.flush();
            tell(ex.getCommandLine(), new Refusal(ExitCodes.INVALID_INPUT, message, List.of(message)));
            return ExitCodes.INVALID_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd, debug));
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // one line like any error, not a trace that buries the cause; expressions refuse deep
            // nesting themselves, so an overflow here is the last line of defence for other recursion
            System.err.println("runbook: error: " + (e instanceof OutOfMemoryError
                    ? "out of memory; give the JVM more heap, e.g. RUNBOOK_JAVA_OPTS=-Xmx2g"
                    : "the stack overflowed (input nested too deeply?)") + (debug ? "" : " (--debug shows where)"));
            if (debug) {
                e.printStackTrace();
            }
            return ExitCodes.STEP_FAILED;
        }
    }

    /**
     * Two of picocli's documented switches that take a fifth of its start-up off every command:
     * its default factory looks for Groovy's closure class, a miss that opens every jar on the
     * class path; and it registers converters for java.sql and java.time types, initialising
     * those classes, while no option of ours has such a type.
     */
    private static void quickPicocli() {
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java\\.(sql|time)\\..*");
        }
    }

    /**
     * Only the command asked for is built, so a start loads that command's classes alone (and not
     * picocli's help command, which is read from annotations). Help, version and unknown commands
     * get the whole tree.
     */
    private static CommandLine commandLine(String[] args) {
        CliSpec.Command command = args.length == 0 ? null : command(args[0]);
        if (command == null) {
            return new CommandLine(tree().commandSpec());
        }
        CommandLine cli = new CommandLine(command.spec().commandSpec());
        cli.setCommandName("runbook " + args[0]);
        return cli;
    }

    private static CliSpec.Command command(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "plan" -> new PlanCommand();
            case "validate" -> new ValidateCommand();
            case "list" -> new ListCommand();
            case "history" -> new HistoryCommand();
            case "show" -> new ShowCommand();
            case "audit" -> new AuditCommand();
            case "inventory" -> new InventoryCommand();
            case "schedule" -> new ScheduleCommand();
            case "daemon" -> new DaemonCommand();
            case "schema" -> new SchemaCommand();
            default -> null;
        };
    }

    /** Every command, for help and for suggestions when the command is unknown. */
    static CliSpec tree() {
        CliSpec cli = CliSpec.command("runbook", new Main(), "Rule-driven runbook automation: run, plan and audit operational procedures.")
                .version("runbook 0.1.0")
                // each line short enough that help never wraps it mid-phrase
                .footer("", "Exit codes: 0 success, 1 a step failed, 2 invalid input or usage,",
                        "3 a gate was not approved, 4 another run holds the lock, 130 interrupted.");
        for (String name : COMMANDS) {
            cli.subcommand(command(name));
        }
        cli.commandSpec().addSubcommand("help", new CommandLine(new CommandLine.HelpCommand()));
        return cli;
    }

    static final String[] COMMANDS = {"run", "plan", "validate", "list", "history", "show", "audit", "inventory", "schedule", "daemon", "schema"};

    /**
     * Why a command ended with an error: its exit code, the line that says why (the first error), and
     * every line stderr shows (one per diagnostic when the input had several problems).
     */
    record Refusal(int exitCode, String message, List<String> lines) {
        Refusal(int exitCode, String line) {
            this(exitCode, line, List.of(line));
        }
    }

    /** The one place exceptions become exit codes and one-line messages, on stderr and, for a command that streams JSON, on stdout. */
    static int handle(Exception ex, CommandLine cmd, boolean debug) {
        PrintWriter err = cmd.getErr();
        Refusal refusal = refusal(ex, debug);
        // a message may quote a value given from outside (a param, a host's answer): one line each, escaped
        refusal.lines().forEach(line -> err.println(Visible.line(line)));
        if (debug && !(ex instanceof InvalidInputException) && !(ex instanceof LockedException)) {
            ex.printStackTrace(err);
        }
        err.flush();
        tell(cmd, refusal);
        return refusal.exitCode();
    }

    private static Refusal refusal(Exception ex, boolean debug) {
        if (ex instanceof InvalidInputException invalid) {
            List<String> lines = new ArrayList<>();
            String first = null;
            for (Diagnostic d : invalid.diagnostics()) {
                String where = d.pos().line() > 0 ? d.pos().toString() : "runbook".equals(d.pos().file()) ? "runbook" : d.pos().file();
                String line = where + ": " + (d.isError() ? "error: " : "warning: ") + Diagnostic.oneLine(d.message())
                        + (d.hint() == null ? "" : " (" + Diagnostic.oneLine(d.hint()) + ")");
                lines.add(line);
                first = first == null && d.isError() ? line : first;
            }
            String message = first != null ? first : lines.isEmpty() ? "runbook: error: invalid input" : lines.get(0);
            return new Refusal(ExitCodes.INVALID_INPUT, message, List.copyOf(lines));
        }
        if (ex instanceof LockedException locked) {
            return new Refusal(ExitCodes.LOCKED, "runbook: error: " + locked.getMessage());
        }
        if (ex instanceof AuditException) {
            return new Refusal(ExitCodes.STEP_FAILED, "runbook: error: audit trail: " + ex.getMessage());
        }
        return new Refusal(ExitCodes.STEP_FAILED, "runbook: error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage())
                + (debug ? "" : " (--debug shows where)"));
    }

    /** picocli's "Unknown option: ..." as our messages read: "unknown option: ..." (a name such as "URL" stays). */
    static String lowerFirst(String message) {
        if (message == null || message.length() < 2 || !Character.isUpperCase(message.charAt(0)) || !Character.isLowerCase(message.charAt(1))) {
            return message;
        }
        return Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }

    /** {@code run --output json} also tells a consumer reading stdout why a run never started. */
    private static void tell(CommandLine cmd, Refusal refusal) {
        if (cmd.getCommandSpec().userObject() instanceof RunCommand run) {
            run.refused(refusal);
        }
    }
}
