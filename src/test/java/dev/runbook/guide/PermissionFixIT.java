package dev.runbook.guide;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.ContentServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code permission-fix} end to end: the gate shows exactly what is sent, nothing is sent without
 * approval, and an approved grant is read back. The stand-in's POST /permissions replaces the
 * user's permissions, so these tests also prove that granting never revokes.
 */
class PermissionFixIT {
    private static final String BODY = "{\"user_id\":\"bob\",\"project_id\":\"film-a\",\"permissions\":[\"read\",\"write\"]}";
    private static final String PROMPT = "Grant user bob on project film-a the permissions write?";

    @TempDir
    Path dir;
    GuideHome home;
    ContentServer server;

    @BeforeEach
    void setUp() throws Exception {
        home = new GuideHome(dir);
        server = new ContentServer(home.token)
                .user("alice", "editor").user("bob", "viewer")
                .permissions("film-a", "bob", "read");
        home.serving(server);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private String[] grantWrite(String... more) {
        String[] base = {"-p", "user=bob", "-p", "project=film-a", "-p", "permissions=write"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return home.runArgs("permission-fix", all);
    }

    @Test
    void theGateShowsExactlyWhatIsSentAndNoLeavesThePermissionsAsTheyWere() {
        Cli.Result r;
        try (Cli.Running run = home.cli().startOnTerminal(grantWrite())) {
            run.awaitOutput(PROMPT).awaitOutput("It sends POST /permissions " + BODY).awaitOutput("(held now: read)")
                    .awaitOutput("[y/N]").type("n\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(server.grants).isEmpty();
        assertThat(server.permissionsOf("film-a", "bob")).containsExactly("read");
        assertThat(r.output()).contains("bob on project film-a: nothing granted (the gate was not approved)");
        JsonNode asked = AuditLog.ofType(home.cli().auditFile(), "gate.asked").get(0);
        assertThat(asked.path("data").path("prompt").asText()).contains(PROMPT).contains(BODY);
    }

    @Test
    void withoutATerminalOrAnApprovalNothingIsGranted() {
        Cli.Result r = home.cli().run(grantWrite());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(server.grants).isEmpty();
        assertThat(server.requests).noneMatch(q -> q.startsWith("POST"));
        assertThat(server.permissionsOf("film-a", "bob")).containsExactly("read");
        assertThat(AuditLog.ofType(home.cli().auditFile(), "gate.denied")).hasSize(1);
    }

    @Test
    void anApprovedGrantSendsTheJsonBodyKeepsWhatTheUserHeldAndIsVerified() {
        Cli.Result r = home.cli().run(grantWrite("--approve", "grant"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(server.grants).containsExactly(BODY);
        assertThat(server.permissionsOf("film-a", "bob")).containsExactly("read", "write");
        assertThat(r.stdout()).contains("✓ verify").contains("bob on project film-a: holds read, write (granted now)");
        assertThat(server.requests).endsWith("POST /permissions", "GET /projects/film-a/permissions/bob");
    }

    @Test
    void aUserWithoutAnyPermissionIsGrantedExactlyWhatWasAsked() {
        Cli.Result r = home.cli().run(home.runArgs("permission-fix", "-p", "user=alice", "-p", "project=film-b",
                "-p", "permissions=read,comment", "--yes"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(server.grants).containsExactly("{\"user_id\":\"alice\",\"project_id\":\"film-b\",\"permissions\":[\"read\",\"comment\"]}");
        assertThat(server.permissionsOf("film-b", "alice")).containsExactly("read", "comment");
    }

    @Test
    void permissionsHeldAlreadyAreNotSentAgainAndNeedNoApproval() {
        Cli.Result r = home.cli().run(home.runArgs("permission-fix", "-p", "user=bob", "-p", "project=film-a", "-p", "permissions=read"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(server.grants).isEmpty();
        assertThat(r.stdout()).contains("bob on project film-a: holds read (held already: nothing sent)");
    }

    @Test
    void aMissingUserIsGrantedNothing() {
        Cli.Result r = home.cli().run(home.runArgs("permission-fix", "-p", "user=carol", "-p", "project=film-a",
                "-p", "permissions=read", "--yes"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("there is no user carol (HTTP 404): nothing was granted");
        assertThat(server.grants).isEmpty();
    }

    @Test
    void aGrantThatDoesNotTakeFailsTheVerification() {
        server.grantsDoNotTake();

        Cli.Result r = home.cli().run(grantWrite("--yes"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(server.grants).containsExactly(BODY);
        assertThat(r.stdout()).contains("✗ verify").contains("bob on project film-a: NOT verified");
    }
}
