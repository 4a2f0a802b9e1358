package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
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
 * jar) or fails online too.
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

    private Cli.Result launch(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(app.resolve("bin").resolve("runbook").toString()));
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
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not end within 120 s");
        }
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
