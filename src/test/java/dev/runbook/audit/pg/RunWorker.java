package dev.runbook.audit.pg;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import dev.runbook.audit.AuditSink;
import dev.runbook.audit.StateDir;
import dev.runbook.config.Config;
import dev.runbook.config.ConfigLoader;
import dev.runbook.engine.Engine;
import dev.runbook.engine.EngineServices;
import dev.runbook.engine.FileRunLocks;
import dev.runbook.engine.Gate;
import dev.runbook.engine.Hosts;
import dev.runbook.engine.LockedException;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunListener;
import dev.runbook.engine.RunOutcome;
import dev.runbook.engine.RunRequest;
import dev.runbook.exec.HttpRunner;
import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.UnreachableException;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code runbook run FILE [k=v]...} in a process of its own, wired as the CLI wires it when
 * PostgreSQL is configured (configuration from the working directory and RUNBOOK_AUDIT_*, the
 * PostgreSQL sink, advisory locks over the local lock files, notices to stderr), with the CLI's
 * exit codes. Prints each audited event as {@code TYPE STEP} on stdout for tests to wait for.
 */
public final class RunWorker {
    private RunWorker() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Map<String, String> env = System.getenv();
        try {
            StateDir state = StateDir.fromEnvironment(env);
            state.ensure();
            Config config = ConfigLoader.fromSystem(env).load(ConfigLoader.Overrides.NONE);
            PgAuditStore store = new PgAuditStore(PgSettings.of(config.audit(), env), state.root().resolve("spool"),
                    notice -> System.err.println("runbook: " + notice));
            RunbookLoader loader = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), null));
            Runbook rb = loader.require(Path.of(args[0]));
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 1; i < args.length; i++) {
                params.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
            }
            LocalRunner local = new LocalRunner(state.ensure(state.tmp()));
            try (AuditSink audit = store.sink()) {
                EngineServices services = new EngineServices(t -> {
                    if (!t.local()) {
                        throw new UnreachableException("local only");
                    }
                    return local;
                }, Hosts.LOCAL_ONLY, new HttpRunner(), null, r -> Gate.Decision.approve("worker", "flag"), audit,
                        store.locks(new FileRunLocks(state.ensure(state.locks()))), loader, env, state.tmp());
                RunListener listener = new RunListener() {
                    @Override
                    public void event(AuditEvent e) {
                        System.out.println(e.type() + " " + e.step());
                        System.out.flush();
                    }

                    @Override
                    public void notice(String message) {
                        System.err.println("runbook: " + message);
                    }
                };
                RunOutcome outcome = new Engine(services).run(new RunRequest(rb, params, null, null, false, false,
                        new AuditEvent.Actor(System.getProperty("user.name"), "flag"), null, "cli"), listener, new RunControl());
                System.out.println("outcome " + outcome.status() + " " + outcome.runId());
                return outcome.status().exitCode();
            }
        } catch (LockedException e) {
            System.err.println("runbook: error: " + e.getMessage());
            return 4;
        } catch (InvalidInputException e) {
            e.diagnostics().forEach(d -> System.err.println(d));
            return 2;
        } catch (AuditException e) {
            System.err.println("runbook: error: audit trail: " + e.getMessage());
            return 1;
        }
    }
}
