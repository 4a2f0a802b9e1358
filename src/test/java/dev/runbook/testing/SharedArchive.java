package dev.runbook.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A class-data-sharing archive for the CLI JVMs the tests start (the launcher does the same):
 * made once per test JVM by a training run, it roughly halves each process's start-up. When it
 * cannot be made (a classes directory on the classpath, an old JVM), processes start without it.
 */
final class SharedArchive {
    private static Path archive;
    private static boolean tried;

    private SharedArchive() {}

    static synchronized Path get() {
        if (!tried) {
            tried = true;
            archive = make();
        }
        return archive;
    }

    private static Path make() {
        boolean jarsOnly = Stream.of(Cli.classPath().split(File.pathSeparator)).allMatch(e -> e.endsWith(".jar"));
        if (!jarsOnly) {
            return null;
        }
        Path work = null;
        try {
            work = Files.createTempDirectory("runbook-e2e-cds");
            Path jsa = work.resolve("cli.jsa");
            // the launcher's own training run, with the SSH classes it preloads by name
            Path rb = Path.of("bin", "cds-training.yaml").toAbsolutePath();
            Path inventory = Path.of("bin", "cds-training-inventory.yaml").toAbsolutePath();
            List<String> cmd = new ArrayList<>(Cli.java());
            cmd.add(1, "-XX:ArchiveClassesAtExit=" + jsa);
            cmd.add(2, "-Drunbook.cds.training=true");
            cmd.addAll(List.of("dev.runbook.cli.Main", "run", "-i", inventory.toString(), "-t", "train*:&spare", rb.toString(),
                    "-p", "word=training"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("RUNBOOK_STATE", work.resolve("state").toString());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(jsa)) {
                return null;
            }
            Path keep = Files.createTempFile("runbook-e2e-", ".jsa");
            Files.move(jsa, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            keep.toFile().deleteOnExit();
            return keep;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            deleteTree(work);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
