package dev.runbook.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.ContentServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bearer token is a unique canary: each guide runbook sends it (the stand-in checks it) and
 * it appears in no stdout, stderr, {@code --output json}, plan (every format) or audit line.
 * Also: every guide runbook validates without a warning, and a plan sends nothing.
 */
class GuideSecretsIT {
    private static final List<String> RUNBOOKS = List.of("sync-diagnostics", "permission-diagnostics", "permission-fix", "upload-diagnostics");

    @TempDir
    Path dir;
    GuideHome home;
    ContentServer server;

    @BeforeEach
    void setUp() throws Exception {
        home = new GuideHome(dir);
        server = new ContentServer(home.token).user("bob", "viewer").file("scene-1", "alice", "film-a");
        home.serving(server)
                .var("nginx_site_config", dir.resolve("absent").toString())
                .var("nginx_config", dir.resolve("absent").toString())
                .var("nucleus_config", dir.resolve("absent").toString());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private static String[] params(String runbook) {
        return switch (runbook) {
            case "sync-diagnostics" -> new String[] {"-p", "heartbeat_wait=5s"};
            case "permission-diagnostics" -> new String[] {"-p", "user=bob", "-p", "file=scene-1"};
            case "permission-fix" -> new String[] {"-p", "user=bob", "-p", "project=film-a", "-p", "permissions=read,write", "--yes"};
            default -> new String[] {"-p", "size_mb=1"};
        };
    }

    private String[] planArgs(String runbook) {
        List<String> args = new ArrayList<>(List.of(home.runArgs(runbook, params(runbook))));
        args.set(0, "plan");
        args.remove("--yes");
        return args.toArray(String[]::new);
    }

    private static String[] with(String[] args, String... more) {
        String[] all = new String[args.length + more.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void theTokenIsSentButAppearsInNoOutputJsonEventsPlanOrAuditLine() {
        List<Cli.Result> results = new ArrayList<>();
        for (String rb : RUNBOOKS) {
            String[] run = home.runArgs(rb, params(rb));
            results.add(home.cli().run(run));
            results.add(home.cli().run(with(run, "--output", "json")));
            String[] plan = planArgs(rb);
            for (String format : List.of("text", "markdown", "json")) {
                results.add(home.cli().run(with(plan, "--format", format)));
            }
        }
        results.add(home.cli().run("show", "last"));

        assertThat(server.authorizations).as("every API request carried the token").isNotEmpty().containsOnly("Bearer " + home.token);
        assertThat(server.sync.handshakes).isNotEmpty().allSatisfy(h -> assertThat(h).containsEntry("authorization", "Bearer " + home.token));
        assertThat(server.grants).as("the permission was granted (twice: text and json runs)").isNotEmpty();
        for (Cli.Result r : results) {
            assertThat(r.stdout() + r.stderr()).as(r.toString()).doesNotContain(home.token);
        }
        assertThat(results).as("the plans mask the header").anySatisfy(r -> assertThat(r.stdout()).contains("Bearer ****"));
        assertThat(home.auditText()).isNotEmpty().doesNotContain(home.token).contains("Bearer ****");
    }

    @Test
    void aPlanSendsNothingToTheServer() {
        for (String rb : RUNBOOKS) {
            Cli.Result r = home.cli().run(planArgs(rb));
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }

        assertThat(server.requests).isEmpty();
        assertThat(server.sync.handshakes).isEmpty();
        assertThat(server.uploads).isEmpty();
    }

    @Test
    void everyGuideRunbookValidatesWithoutAWarning() {
        for (String rb : RUNBOOKS) {
            Cli.Result r = home.cli().run("validate", GuideHome.runbook(rb));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.output()).as(r.toString()).doesNotContainIgnoringCase("warning").contains("1 of 1 runbook valid");
        }
    }
}
