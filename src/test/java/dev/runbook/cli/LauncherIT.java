package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/runbook's first build on a fresh machine, with a stand-in {@code mvn} on PATH that fails
 * offline as Maven does there (its errors on stdout) and then builds online (copies this build's
 * jar) or fails online too; and what the launcher passes on to the JVM.
 */
class LauncherIT {
    @TempDir
    Path home;

    Path app;
    Path tools;

    @BeforeEach
    void setUp() throws IOException {
        app = home.resolve("app");
        tools = home.resolve("tools");
        Files.createDirectories(app.resolve("bin"));
        Files.createDirectories(tools);
        try (Stream<Path> bin = Files.list(Path.of("bin"))) {
            for (Path f : bin.filter(Files::isRegularFile).toList()) {
                Files.copy(f, app.resolve("bin").resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    @Test
    void anOfflineAttemptThatFailsBeforeTheOnlineBuildSucceedsShowsNothingButTheBuildingLine() throws Exception {
        standInMaven("""
                mkdir -p target && cp -r '%s' '%s' target/
                """.formatted(Path.of("target", "runbook.jar").toAbsolutePath(), Path.of("target", "lib").toAbsolutePath()));

        Cli.Result r = launch("--version");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("runbook 0.1.0");
        assertThat(r.stderr().lines()).as(r.toString()).containsExactly("runbook: building (first use or sources changed)...");
    }

    @Test
    void theOnlineAttemptsErrorsStayVisibleWhenItFailsToo() throws Exception {
        standInMaven("""
                echo '[ERROR] Could not transfer artifact from central: network unreachable'
                exit 1
                """);

        Cli.Result r = launch("--version");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).contains("network unreachable").contains("runbook: build failed")
                .doesNotContain("offline mode");
    }

    /** A {@code mvn} that fails with -o as Maven does without a local repository, and otherwise runs {@code online}. */
    private void standInMaven(String online) throws IOException {
        Path mvn = tools.resolve("mvn");
        Files.writeString(mvn, """
                #!/bin/sh
                for a in "$@"; do
                  if [ "$a" = -o ]; then
                    echo '[ERROR] Failed to execute goal on project runbook: Cannot access central in offline mode'
                    echo '[ERROR] -> [Help 1]'
                    echo 'offline: stderr too' >&2
                    exit 1
                  fi
                done
                """ + online);
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * The audited user, and the lock holder, are who runs the process (its uid), not a JVM
     * property that RUNBOOK_JAVA_OPTS sets: an operator cannot record a run under another name.
     */
    @Test
    void theAuditedUserIsWhoRunsItWhateverRunbookJavaOptsSays() throws Exception {
        Files.createDirectories(app.resolve("target"));
        Files.copy(Path.of("target", "runbook.jar"), app.resolve("target").resolve("runbook.jar"));
        assertThat(Processes.exec(List.of("cp", "-r", Path.of("target", "lib").toAbsolutePath().toString(),
                app.resolve("target").toString())).exitCode()).isZero();
        Path lock = home.resolve("state").resolve("locks").resolve("whoami@localhost.lock");
        Path rb = Files.writeString(home.resolve("whoami.yaml"), """
                name: whoami
                steps:
                  - id: holder
                    run: cat %s
                """.formatted(lock));
        String me = Processes.exec(List.of("id", "-un")).stdout().strip();
        Map<String, String> alice = Map.of("RUNBOOK_JAVA_OPTS", "-Duser.name=alice");

        Cli.Result run = launch(alice, "run", rb.toString(), "--no-color");
        Cli.Result history = launch(alice, "history");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).as("the lock file, read while held").contains("\"user\":\"" + me + "\"").doesNotContain("alice");
        JsonNode started = AuditLog.ofType(home.resolve("state").resolve("audit.jsonl"), "run.started").get(0);
        assertThat(started.path("actor").path("user").asText()).isEqualTo(me).isNotEqualTo("alice");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.stdout()).contains("whoami").contains(" " + me + " (cli)").doesNotContain("alice");
    }

    /**
     * Who logged in is taken from the kernel's login uid (kept through sudo, set once at login),
     * not from SUDO_USER, which the user can set: here the launcher runs with the login uid of
     * nobody, as after "ssh nobody@host; sudo -i".
     */
    @Test
    void whoLoggedInComesFromTheKernelsLoginUidNotFromSudoUser() throws Exception {
        Files.createDirectories(app.resolve("target"));
        Files.copy(Path.of("target", "runbook.jar"), app.resolve("target").resolve("runbook.jar"));
        assertThat(Processes.exec(List.of("cp", "-r", Path.of("target", "lib").toAbsolutePath().toString(),
                app.resolve("target").toString())).exitCode()).isZero();
        Path rb = Files.writeString(home.resolve("who.yaml"), "name: who\nsteps:\n  - id: a\n    run: \"true\"\n");
        String me = Processes.exec(List.of("id", "-un")).stdout().strip();
        String nobody = Processes.exec(List.of("id", "-un", "65534")).stdout().strip();

        Cli.Result forged = launch(Map.of("SUDO_USER", "alice"), List.of("sh", "-c", "echo 65534 > /proc/self/loginuid && exec \"$@\"", "sh"),
                "run", rb.toString(), "--no-color");
        Cli.Result own = launch(Map.of("SUDO_USER", "alice"), List.of("sh", "-c", "echo " + Processes.exec(List.of("id", "-u")).stdout().strip() + " > /proc/self/loginuid && exec \"$@\"", "sh"),
                "run", rb.toString(), "--no-color");

        assertThat(forged.exitCode()).as(forged.toString()).isZero();
        assertThat(own.exitCode()).as(own.toString()).isZero();
        List<JsonNode> started = AuditLog.ofType(home.resolve("state").resolve("audit.jsonl"), "run.started");
        assertThat(started).extracting(e -> e.path("actor").path("user").asText())
                .containsExactly(nobody + " (as " + me + ")", me);
    }

    private Cli.Result launch(String... args) throws IOException, InterruptedException {
        return launch(Map.of(), args);
    }

    private Cli.Result launch(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        return launch(extraEnv, List.of(), args);
    }

    /** @param wrapper words run before the launcher, which gets it and the arguments as its own ("$@") */
    private Cli.Result launch(Map<String, String> extraEnv, List<String> wrapper, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(wrapper);
        cmd.add(app.resolve("bin").resolve("runbook").toString());
        cmd.addAll(List.of(args));
        Path out = home.resolve("stdout");
        Path err = home.resolve("stderr");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("RUNBOOK_"));
        env.put("PATH", tools + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("RUNBOOK_STATE", home.resolve("state").toString());
        env.putAll(extraEnv);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not end within 120 s");
        }
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
