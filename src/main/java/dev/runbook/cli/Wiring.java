package dev.runbook.cli;

import dev.runbook.audit.AuditSink;
import dev.runbook.audit.StateDir;
import dev.runbook.config.Config;
import dev.runbook.config.ConfigLoader;
import dev.runbook.engine.EngineServices;
import dev.runbook.engine.Gate;
import dev.runbook.engine.Hosts;
import dev.runbook.engine.RunLocks;
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
import dev.runbook.model.Visible;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/** Builds the engine's services from the environment and the command line. The one place that knows them all. */
final class Wiring {
    final Map<String, String> env;
    final StateDir state;
    final RunbookLoader loader;
    private ConfigLoader.Overrides overrides = ConfigLoader.Overrides.NONE;
    private Config config;
    private final java.util.Set<dev.runbook.model.Diagnostic> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Wiring(Map<String, String> env) {
        this.env = env;
        this.state = StateDir.fromEnvironment(env, Wiring::toStderr);
        this.loader = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), env.get("RUNBOOK_PATH")));
    }

    static Wiring fromSystem() {
        return new Wiring(System.getenv());
    }

    /**
     * The inventory for a command ({@link Inventories}); its warnings go to stderr, each once for
     * this command however many times it loads the inventory (the daemon: once per fire).
     */
    Hosts hosts(Path inventory) {
        Hosts hosts = Inventories.resolve(inventory, env);
        if (hosts instanceof dev.runbook.inventory.Inventory loaded) {
            loaded.warnings().stream().filter(warned::add).forEach(d -> System.err.println(d));
        }
        return hosts;
    }

    /** Applies a command's --audit-* flags (null: none) over the configuration file and the environment. */
    Wiring withAudit(AuditOptions options) {
        overrides = options == null ? ConfigLoader.Overrides.NONE : options.overrides();
        config = null;
        return this;
    }

    /**
     * The configuration: runbook.yaml of the working directory, else ~/.config/runbook/config.yaml,
     * then RUNBOOK_AUDIT_* and the flags. Read on first use, so commands that never need it never fail on it.
     */
    Config config() {
        if (config == null) {
            config = ConfigLoader.fromSystem(env).load(overrides);
        }
        return config;
    }

    /** The configured audit store; {@code notices} hears of fallbacks (events spooled, run locks local only). */
    AuditStores stores(Consumer<String> notices) {
        return AuditStores.open(config(), state, env, notices);
    }

    /** A sink of the configured store whose fallback notices go to stderr. */
    AuditSink audit() {
        return stores(Wiring::toStderr).sink();
    }

    static void toStderr(String notice) {
        System.err.println("runbook: " + Visible.line(notice));
    }

    Connector connector() {
        // tmp/ is made (private, and checked: no link) with the first script file: a run refused before its steps, or a plan, makes nothing
        LocalRunner local = LocalRunner.scriptsIn(() -> state.ensure(state.tmp()));
        String passphrase = env.get("RUNBOOK_SSH_KEY_PASSPHRASE");
        Map<String, String> passphrases = passphrase == null ? Map.of() : Map.of("*", passphrase);
        // SSH is set up (ssh_config read, JSch loaded) only when a run first reaches a remote host
        Connector ssh = new Connector() {
            private SshConnector connector;

            // the lock covers creating the connector only: hosts connect in parallel
            private synchronized SshConnector connector() {
                if (connector == null) {
                    connector = new SshConnector(SshSettings.fromEnvironment(env, passphrases));
                }
                return connector;
            }

            @Override
            public dev.runbook.exec.CommandRunner open(dev.runbook.model.Target target) throws dev.runbook.exec.UnreachableException {
                return connector().open(target);
            }

            @Override
            public void check(java.util.List<dev.runbook.model.Target> targets) {
                connector().check(targets);
            }

            @Override
            public dev.runbook.exec.CommandRunner open(dev.runbook.model.Target target, dev.runbook.exec.Cancellation cancel)
                    throws dev.runbook.exec.UnreachableException {
                return connector().open(target, cancel);
            }

            @Override
            public dev.runbook.exec.CommandRunner open(dev.runbook.model.Target target, dev.runbook.exec.Cancellation cancel,
                    dev.runbook.exec.HostKeyEvents events) throws dev.runbook.exec.UnreachableException {
                return connector().open(target, cancel, events);
            }
        };
        return new Connectors(local, ssh);
    }

    /** The engine's services for one run; the caller closes the SQL executor after the run. */
    EngineServices services(Path inventory, Gate gate, AuditSink audit, SqlExecutor sql, RunLocks locks) {
        return new EngineServices(connector(), hosts(inventory), new HttpRunner(), sql, gate, audit, locks, loader, env, state.tmp());
    }

    /** As above, with the configured store's run locks (PostgreSQL advisory locks when configured), notices to stderr. */
    EngineServices services(Path inventory, Gate gate, AuditSink audit, SqlExecutor sql) {
        return services(inventory, gate, audit, sql, stores(Wiring::toStderr).locks());
    }

    /** The SQL executor, created on the first sql step: most runs have none. */
    SqlExecutor sql() {
        return new SqlExecutor() {
            private PostgresExecutor executor;

            private synchronized PostgresExecutor executor() {
                if (executor == null) {
                    executor = new PostgresExecutor(env);
                }
                return executor;
            }

            @Override
            public dev.runbook.engine.StepResult execute(dev.runbook.model.Target host, String database, String statement,
                    java.util.List<Object> binds, java.time.Duration timeout, boolean transaction, dev.runbook.exec.Cancellation cancel) {
                return executor().execute(host, database, statement, binds, timeout, transaction, cancel);
            }

            @Override
            public java.util.List<String> notices(dev.runbook.model.Target host, String database) {
                return executor().notices(host, database);
            }

            @Override
            public String problem(dev.runbook.model.Target host, String database) {
                return executor().problem(host, database);
            }

            @Override
            public synchronized void close() {
                if (executor != null) {
                    executor.close();
                }
            }
        };
    }

    /**
     * The audited actor: this process's user, and who logged in to run it as that user ("alice (as
     * root)"). The kernel's login uid says who, where it keeps one; SUDO_USER, which anyone can set,
     * only where it does not.
     */
    static String user(Map<String, String> env) {
        String me = dev.runbook.model.LocalUser.current().name();
        String login = dev.runbook.model.LocalUser.loginName();
        String by = login != null ? login : env.get("SUDO_USER");
        return by != null && !by.isBlank() && !by.equals(me) ? by + " (as " + me + ")" : me;
    }
}
