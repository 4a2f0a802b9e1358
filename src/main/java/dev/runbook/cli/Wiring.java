package dev.runbook.cli;

import dev.runbook.audit.AuditSink;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.audit.StateDir;
import dev.runbook.engine.EngineServices;
import dev.runbook.engine.FileRunLocks;
import dev.runbook.engine.Gate;
import dev.runbook.engine.Hosts;
import dev.runbook.engine.SqlExecutor;
import dev.runbook.exec.Connector;
import dev.runbook.exec.HttpRunner;
import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.sql.PostgresExecutor;
import dev.runbook.exec.ssh.Connectors;
import dev.runbook.exec.ssh.SshConnector;
import dev.runbook.exec.ssh.SshSettings;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import java.nio.file.Path;
import java.util.Map;

/** Builds the engine's services from the environment and the command line. The one place that knows them all. */
final class Wiring {
    final Map<String, String> env;
    final StateDir state;
    final RunbookLoader loader;

    Wiring(Map<String, String> env) {
        this.env = env;
        this.state = StateDir.fromEnvironment(env);
        this.loader = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), env.get("RUNBOOK_PATH")));
    }

    static Wiring fromSystem() {
        return new Wiring(System.getenv());
    }

    Hosts hosts(Path inventory) {
        return Inventories.resolve(inventory, env);
    }

    AuditSink audit() {
        state.ensure();
        return new JsonlAuditTrail(state.auditFile());
    }

    Connector connector() {
        LocalRunner local = new LocalRunner(state.ensure(state.tmp()));
        String passphrase = env.get("RUNBOOK_SSH_KEY_PASSPHRASE");
        Map<String, String> passphrases = passphrase == null ? Map.of() : Map.of("*", passphrase);
        return new Connectors(local, new SshConnector(SshSettings.fromEnvironment(env, passphrases)));
    }

    /** The engine's services for one run; the caller closes the SQL executor after the run. */
    EngineServices services(Path inventory, Gate gate, AuditSink audit, SqlExecutor sql) {
        state.ensure();
        return new EngineServices(connector(), hosts(inventory), new HttpRunner(), sql, gate, audit,
                new FileRunLocks(state.ensure(state.locks())), loader, env, state.tmp());
    }

    SqlExecutor sql() {
        return new PostgresExecutor(env);
    }

    static String user(Map<String, String> env) {
        String sudo = env.get("SUDO_USER");
        String me = System.getProperty("user.name");
        return sudo != null && !sudo.isBlank() && !sudo.equals(me) ? sudo + " (as " + me + ")" : me;
    }
}
