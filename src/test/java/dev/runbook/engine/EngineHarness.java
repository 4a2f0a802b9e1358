package dev.runbook.engine;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.exec.Connector;
import dev.runbook.exec.HttpRunner;
import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import dev.runbook.model.Runbook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs runbooks in-process on this machine with a real local executor, audit file and locks. */
final class EngineHarness {
    final Path dir;
    final List<AuditEvent> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> output = Collections.synchronizedList(new ArrayList<>());
    final List<String> notices = Collections.synchronizedList(new ArrayList<>());
    final Map<String, String> env = new HashMap<>();
    Gate gate = r -> Gate.Decision.approve("tester", "flag");
    Hosts hosts = Hosts.LOCAL_ONLY;
    Connector connector;

    EngineHarness(Path dir) {
        this.dir = dir;
        LocalRunner local = new LocalRunner(dir.resolve("tmp"));
        this.connector = t -> {
            if (!t.local()) {
                throw new UnreachableException("not local: " + t.name());
            }
            return local;
        };
    }

    Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    RunOutcome run(String yaml) throws IOException {
        return run(yaml, Map.of(), false);
    }

    RunOutcome run(String yaml, Map<String, String> params, boolean dryRun) throws IOException {
        Path f = write("rb-" + System.nanoTime() + ".yaml", yaml);
        return run(f, params, dryRun, new RunControl());
    }

    RunOutcome run(Path file, Map<String, String> params, boolean dryRun, RunControl control) {
        RunbookLoader loader = new RunbookLoader(new RunbookPaths(dir, null));
        Runbook rb = loader.require(file);
        try (JsonlAuditTrail audit = new JsonlAuditTrail(dir.resolve("state/audit.jsonl"))) {
            EngineServices services = new EngineServices(connector, hosts, new HttpRunner(), null, gate, audit,
                    new FileRunLocks(dir.resolve("state/locks")), loader, env, dir.resolve("tmp"));
            RunListener listener = new RunListener() {
                @Override
                public void event(AuditEvent e) {
                    events.add(e);
                }

                @Override
                public void output(String host, String step, OutputListener.Stream stream, String line) {
                    output.add(step + ": " + line);
                }

                @Override
                public void notice(String message) {
                    notices.add(message);
                }
            };
            return new Engine(services).run(new RunRequest(rb, params, null, null, dryRun, false,
                    new AuditEvent.Actor("tester", "flag"), null, "test"), listener, control);
        }
    }

    List<AuditEvent> ofType(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    AuditEvent finished(String step) {
        return events.stream().filter(e -> e.type().equals("step.finished") && step.equals(e.step())).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no step.finished for " + step + " in " + events));
    }

    String outcome(String step) {
        return String.valueOf(finished(step).data().get("outcome"));
    }

    boolean ran(String step) {
        return events.stream().anyMatch(e -> e.type().equals("step.started") && step.equals(e.step()));
    }
}
