package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.audit.AuditException;
import dev.runbook.model.InvalidInputException;
import dev.runbook.testing.Postgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a person sees when PostgreSQL cannot be used: one line, what and where, never the password or a trace. */
class ConnectionErrorsIT {
    static final Postgres PG = Postgres.shared();
    static final String WRONG = "wrong-Pa55word-7c1e";

    @TempDir
    Path state;

    static PgSettings with(String url, String password) {
        return new PgSettings(url, "postgres", () -> password, "runbook", Duration.ofSeconds(3));
    }

    static AuditException failureOf(PgSettings s) {
        try (PgAuditReader reader = new PgAuditReader(s)) {
            reader.runs(null, 10);
        } catch (AuditException e) {
            return e;
        }
        throw new AssertionError("no failure");
    }

    static void assertOneCleanLine(String message) {
        assertThat(message).doesNotContain("\n").doesNotContain(WRONG).doesNotContain(PG.password())
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aWrongPasswordSaysWhichUserWasRefusedWhere() {
        String db = PgTesting.freshDatabase(PG);

        AuditException e = failureOf(with(PG.jdbcUrl(db), WRONG));

        assertThat(e.getMessage()).isEqualTo("PostgreSQL at 127.0.0.1:" + PG.port() + "/" + db + " refused the password of user 'postgres'");
        assertOneCleanLine(e.getMessage());
    }

    @Test
    void aPortWithNothingListeningIsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }

        AuditException e = failureOf(with("jdbc:postgresql://127.0.0.1:" + port + "/ops", WRONG));

        assertThat(e.getMessage()).isEqualTo("cannot reach PostgreSQL at 127.0.0.1:" + port + "/ops: connection refused");
    }

    @Test
    void anUnknownHostIsNamed() {
        AuditException e = failureOf(with("jdbc:postgresql://no-such-host.invalid:5432/ops", WRONG));

        assertThat(e.getMessage()).isEqualTo("cannot reach PostgreSQL at no-such-host.invalid:5432/ops: unknown host");
    }

    @Test
    void aMissingDatabaseIsNamed() {
        AuditException e = failureOf(with(PG.jdbcUrl("no_such_db"), PG.password()));

        assertThat(e.getMessage()).isEqualTo("PostgreSQL at 127.0.0.1:" + PG.port() + "/no_such_db has no database 'no_such_db'");
        assertOneCleanLine(e.getMessage());
    }

    @Test
    void aMissingPasswordVariableIsAConfigurationErrorNotAConnectionOne() {
        PgSettings s = new PgSettings(PG.jdbcUrl("postgres"), "postgres", () -> {
            throw InvalidInputException.usage("audit.password (env:NOPE): environment variable NOPE is not set");
        }, "runbook", Duration.ofSeconds(3));

        assertThatThrownBy(() -> new PgAuditReader(s).runs(null, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("environment variable NOPE is not set");
    }

    @Test
    void aRunWithAWrongPasswordGoesOnAndIsToldOnceWhy() {
        String db = PgTesting.freshDatabase(PG);
        List<String> notices = new ArrayList<>();

        try (PgAuditSink sink = new PgAuditSink(with(PG.jdbcUrl(db), WRONG), state.resolve("spool"), notices::add)) {
            for (var e : PgTesting.run("20250101-000000-abcdef", "deploy", 3)) {
                sink.append(e, PgTesting.durable(e));
            }
        }

        assertThat(notices).hasSize(1);
        assertThat(notices.get(0)).startsWith("audit: PostgreSQL at 127.0.0.1:" + PG.port() + "/" + db + " refused the password of user 'postgres';"
                + " the run goes on, its events are kept in " + state.resolve("spool"));
        assertOneCleanLine(notices.get(0));
    }

    @Test
    void maintenanceCommandsFailWithTheSameLine() {
        String db = PgTesting.freshDatabase(PG);
        PgAuditStore store = new PgAuditStore(with(PG.jdbcUrl(db), WRONG), state.resolve("spool"), m -> { });

        assertThatThrownBy(store::flush).isInstanceOf(AuditException.class)
                .hasMessageEndingWith("refused the password of user 'postgres'");
        assertThatThrownBy(() -> store.retention(12, true, new dev.runbook.audit.AuditEvent.Actor("me", "flag")))
                .isInstanceOf(AuditException.class).hasMessageEndingWith("refused the password of user 'postgres'");
    }
}
