package dev.runbook.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.ContentServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code permission-diagnostics} end to end against the stand-in's API: every answer the guide's
 * script handled (and the ones it crashed on: a forbidden or missing file) is a verdict.
 */
class PermissionDiagnosticsIT {
    @TempDir
    Path dir;
    GuideHome home;
    ContentServer server;

    @BeforeEach
    void setUp() throws Exception {
        home = new GuideHome(dir);
        server = new ContentServer(home.token)
                .user("alice", "editor").user("bob", "viewer")
                .file("scene-1", "alice", "film-a").file("scene-2", "alice", "film-b").forbid("scene-2")
                .permissions("film-a", "alice", "read", "write");
        home.serving(server);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Cli.Result diagnose(String user, String file, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "-p";
        args[1] = "user=" + user;
        args[2] = "-p";
        args[3] = "file=" + file;
        System.arraycopy(more, 0, args, 4, more.length);
        return home.run("permission-diagnostics", args);
    }

    @Test
    void aUserHoldingThePermissionIsToldSoWithRoleOwnerAndProject() {
        Cli.Result r = diagnose("alice", "scene-1");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("verdict: has permission")
                .contains("- user alice: role editor")
                .contains("- file scene-1: owner alice, project film-a")
                .contains("- permissions of alice on project film-a: read, write");
        assertThat(server.requests).containsExactly("GET /users/alice", "GET /files/scene-1", "GET /projects/film-a/permissions/alice");
        assertThat(server.authorizations).containsOnly("Bearer " + home.token);
    }

    @Test
    void aPermissionTheUserLacksIsAVerdictWithTheFixToRun() {
        Cli.Result r = diagnose("alice", "scene-1", "-p", "permission=admin");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: missing permission")
                .contains("grant it: runbook run permission-fix -p user=alice -p project=film-a -p permissions=admin");
    }

    @Test
    void noPermissionsOnTheProjectIsAVerdict() {
        Cli.Result r = diagnose("bob", "scene-1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: no project permissions")
                .contains("- user bob: role viewer")
                .contains("- permissions of bob on project film-a: none (HTTP 404)")
                .contains("runbook run permission-fix -p user=bob -p project=film-a -p permissions=read");
    }

    @Test
    void aForbiddenFileIsAVerdictAndItsUnknownProjectIsNeverAskedFor() {
        Cli.Result r = diagnose("alice", "scene-2");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: file forbidden")
                .contains("file scene-2 exists, but this token may not read it (HTTP 403)")
                .doesNotContain("Exception");
        assertThat(r.stderr()).doesNotContain("Exception");
        assertThat(server.requests).containsExactly("GET /users/alice", "GET /files/scene-2");
    }

    @Test
    void aMissingFileIsAVerdict() {
        Cli.Result r = diagnose("alice", "scene-9");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: no such file").contains("there is no file scene-9 (HTTP 404)");
        assertThat(server.requests).noneMatch(q -> q.contains("/projects/"));
    }

    @Test
    void aMissingUserIsAVerdict() {
        Cli.Result r = diagnose("carol", "scene-1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: no such user").contains("there is no user carol (HTTP 404)");
    }

    @Test
    void aRefusedTokenIsAVerdict() {
        Cli.Result r = home.cli().withEnv("NUCLEUS_TOKEN", "wrong").run(home.runArgs("permission-diagnostics",
                "-p", "user=alice", "-p", "file=scene-1"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: token refused").contains("check NUCLEUS_TOKEN");
    }

    @Test
    void anApiThatIsNotListeningIsAVerdict() {
        server.stopApi();

        Cli.Result r = diagnose("alice", "scene-1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: api unreachable").contains("refused");
    }

    @Test
    void anIdThatCouldLeaveItsPlaceInTheUrlIsRefusedBeforeAnythingRuns() {
        Cli.Result r = diagnose("../admin", "scene-1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("param 'user'");
        assertThat(server.requests).isEmpty();
    }
}
