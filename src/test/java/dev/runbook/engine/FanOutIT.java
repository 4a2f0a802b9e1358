package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.ssh.Connectors;
import dev.runbook.exec.ssh.SshConnector;
import dev.runbook.exec.ssh.SshSettings;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Target;
import dev.runbook.testing.Processes;
import dev.runbook.testing.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multi-host runs against real OpenSSH servers: parallelism, batches, max_failures, serial, unreachable hosts. */
class FanOutIT {
    static final List<Sshd> SERVERS = new ArrayList<>();
    static Path knownHosts;
    static Path sshHome;

    @TempDir
    Path dir;
    EngineHarness h;
    List<Target> targets;

    @BeforeAll
    static void startServers(@TempDir Path shared) throws Exception {
        knownHosts = shared.resolve("known_hosts");
        sshHome = Files.createDirectories(shared.resolve("home"));
        for (int i = 0; i < 4; i++) {
            Sshd s = Sshd.start();
            SERVERS.add(s);
            s.trustIn(knownHosts);
        }
    }

    @AfterAll
    static void stopServers() {
        SERVERS.forEach(Sshd::close);
    }

    @BeforeEach
    void setUp() {
        h = new EngineHarness(dir);
        h.connector = new Connectors(new LocalRunner(dir.resolve("tmp")), new SshConnector(SshSettings.isolated(sshHome)));
        targets = new ArrayList<>();
        for (int i = 0; i < SERVERS.size(); i++) {
            targets.add(SERVERS.get(i).target("h" + (i + 1), Map.of("runbook_known_hosts", knownHosts.toString())));
        }
        h.hosts = pattern -> {
            if (pattern.equals("all")) {
                return targets;
            }
            List<Target> picked = targets.stream().filter(t -> Arrays.asList(pattern.split(",")).contains(t.name())).toList();
            if (picked.isEmpty()) {
                throw InvalidInputException.usage("no host " + pattern);
            }
            return picked;
        };
    }

    /** Each host's [start, end] of the step, in nanoseconds from its own clock (all on this machine). */
    private List<long[]> intervals(String step) {
        List<long[]> out = new ArrayList<>();
        for (AuditEvent e : h.events) {
            if (e.type().equals("step.finished") && step.equals(e.step())) {
                String[] parts = String.valueOf(e.data().get("stdout_tail")).strip().split("\\s+");
                out.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
            }
        }
        out.sort(Comparator.comparingLong(a -> a[0]));
        return out;
    }

    /** A first step opens every connection, so the timed step measures the steps, not SSH handshakes. */
    private static final String WARM = "  - id: warm\n    run: \"true\"\n";
    private static final String TIMED = "run: 'a=$(date +%s%N); sleep 1; echo $a $(date +%s%N)'";

    @Test
    void hostsWithAPersistentShellRunEveryKindOfStepWithTheSameOutcomes() throws Exception {
        targets.replaceAll(t -> new Target(t.name(), t.address(), t.port(), t.user(),
                withVar(t.vars(), "runbook_persistent_shell", true)));

        RunOutcome o = h.run("""
                targets: all
                steps:
                  - id: first
                    run: "true"
                  - id: parent
                    run: ps -o comm= -p $PPID
                  - id: slow
                    run: sleep 5
                    timeout: 300ms
                    on_failure: continue
                  - id: fails
                    run: "echo on {{ host.name }}; exit 3"
                    on_failure: continue
                  - id: uses
                    run: "echo {{ trim(steps.fails.stdout) }}/{{ trim(steps.parent.stdout) }}"
                  - id: script
                    script: |
                      echo from a script
                """);

        assertThat(o.status()).as(h.events.toString()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        for (Target t : targets) {
            assertThat(finished("parent", t.name()).get("stdout_tail")).isEqualTo("sh");
            assertThat(finished("slow", t.name()).get("outcome")).isEqualTo("timed out");
            assertThat(finished("fails", t.name())).containsEntry("outcome", "failed").containsEntry("exit_code", 3);
            assertThat(finished("uses", t.name()).get("stdout_tail")).isEqualTo("on " + t.name() + "/sh");
            assertThat(finished("script", t.name()).get("stdout_tail")).isEqualTo("from a script");
        }
    }

    private Map<String, Object> finished(String step, String host) {
        return h.events.stream().filter(e -> e.type().equals("step.finished") && step.equals(e.step())
                && host.equals(e.host())).findFirst().orElseThrow().data();
    }

    private static Map<String, Object> withVar(Map<String, Object> vars, String name, Object value) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(vars);
        m.put(name, value);
        return m;
    }

    @Test
    void stepsRunOnSeveralHostsInParallel() throws Exception {
        RunOutcome o = h.run("targets: all\nsteps:\n" + WARM + "  - id: timed\n    " + TIMED + "\n");
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        List<long[]> iv = intervals("timed");
        assertThat(iv).hasSize(4);
        long latestStart = iv.stream().mapToLong(a -> a[0]).max().orElseThrow();
        long earliestEnd = iv.stream().mapToLong(a -> a[1]).min().orElseThrow();
        assertThat(latestStart).as("all four were running at once").isLessThan(earliestEnd);
        assertThat(o.hostCounts()).containsEntry("ok", 4);
    }

    @Test
    void maxParallelOneTakesTheHostsOneAtATime() throws Exception {
        h.run("targets: all\nsteps:\n" + WARM + "  - id: timed\n    max_parallel: 1\n    " + TIMED + "\n");
        List<long[]> iv = intervals("timed");
        for (int i = 1; i < iv.size(); i++) {
            assertThat(iv.get(i)[0]).as("host %d starts after the one before ended", i).isGreaterThanOrEqualTo(iv.get(i - 1)[1]);
        }
    }

    @Test
    void aRollingBatchFinishesBeforeTheNextBatchStarts() throws Exception {
        h.run("targets: all\nsteps:\n" + WARM + "  - id: timed\n    batch: 50%\n    " + TIMED + "\n");
        List<long[]> iv = intervals("timed");
        long firstBatchEnd = Math.max(iv.get(0)[1], iv.get(1)[1]);
        assertThat(iv.get(2)[0]).isGreaterThanOrEqualTo(firstBatchEnd);
        assertThat(iv.get(3)[0]).isGreaterThanOrEqualTo(firstBatchEnd);
        assertThat(iv.get(1)[0]).as("hosts in one batch run together").isLessThan(iv.get(0)[1]);
    }

    @Test
    void onceMaxFailuresIsExceededNoNewHostStarts() throws Exception {
        RunOutcome o = h.run("""
                targets: all
                steps:
                  - id: check
                    run: test {{ host.name }} != h1
                    max_parallel: 1
                    max_failures: 0
                  - id: after
                    run: "true"
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.ofType("step.started").stream().filter(e -> "check".equals(e.step())).map(AuditEvent::host)).containsExactly("h1");
        assertThat(h.ran("after")).isFalse();
        assertThat(h.ofType("step.skipped")).extracting(AuditEvent::host).containsExactly("h2", "h3", "h4");
        assertThat(o.hostCounts()).isEqualTo(Map.of("failed", 1, "not started", 3));
    }

    @Test
    void toleratedFailuresDropTheHostAndTheOthersGoOn() throws Exception {
        RunOutcome o = h.run("""
                targets: all
                max_failures: 1
                steps:
                  - id: check
                    run: test {{ host.name }} != h2
                  - id: after
                    run: echo {{ host.name }}
                """);
        assertThat(o.status()).as("a run that lost a host is not a success").isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.ofType("step.finished").stream().filter(e -> "after".equals(e.step())).map(AuditEvent::host))
                .containsExactlyInAnyOrder("h1", "h3", "h4");
        assertThat(o.hostCounts()).containsEntry("ok", 3).containsEntry("failed", 1);
    }

    @Test
    void serialTakesOneHostThroughEveryStepBeforeTheNext() throws Exception {
        h.run("""
                targets: h1,h2
                strategy: serial
                steps:
                  - id: one
                    run: "true"
                  - id: two
                    run: "true"
                """);
        List<String> order = h.ofType("step.finished").stream().map(e -> e.host() + ":" + e.step()).toList();
        assertThat(order).containsExactly("h1:one", "h1:two", "h2:one", "h2:two");
    }

    /** Each host's [start, end] of the step, by host. */
    private Map<String, long[]> intervalsByHost(String step) {
        Map<String, long[]> out = new java.util.LinkedHashMap<>();
        for (AuditEvent e : h.events) {
            if (e.type().equals("step.finished") && step.equals(e.step())) {
                String[] parts = String.valueOf(e.data().get("stdout_tail")).strip().split("\\s+");
                out.put(e.host(), new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
            }
        }
        return out;
    }

    private static String timed(String id, String sleep) {
        return "  - id: " + id + "\n    run: 'a=$(date +%s%N); sleep " + sleep + "; echo $a $(date +%s%N)'\n";
    }

    @Test
    void aRunbookBatchTakesEachBatchThroughEveryStepBeforeTheNextBatchStarts() throws Exception {
        RunOutcome o = h.run("targets: all\nbatch: 2\nsteps:\n" + timed("drain", "0.5") + timed("undrain", "0.3") + """
                finally:
                  - id: report
                    run: "echo {{ len(steps.undrain.hosts) }} hosts undrained"
                """);

        assertThat(o.status()).as(h.events.toString()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        Map<String, long[]> drain = intervalsByHost("drain");
        Map<String, long[]> undrain = intervalsByHost("undrain");
        long firstBatchDone = Math.max(undrain.get("h1")[1], undrain.get("h2")[1]);
        long secondBatchStarts = Math.min(drain.get("h3")[0], drain.get("h4")[0]);
        assertThat(firstBatchDone).as("h1 and h2 went through every step before h3 and h4 started the first")
                .isLessThanOrEqualTo(secondBatchStarts);
        assertThat(drain.get("h2")[0]).as("the hosts of a batch run together").isLessThan(drain.get("h1")[1]);
        assertThat(drain.get("h4")[0]).isLessThan(drain.get("h3")[1]);
        assertThat(h.ofType("step.started").stream().map(e -> e.host() + ":" + e.step()).limit(4))
                .containsExactlyInAnyOrder("h1:drain", "h2:drain", "h1:undrain", "h2:undrain");
        assertThat(h.ofType("step.finished").stream().filter(e -> "report".equals(e.step()))
                .map(e -> e.host() + " " + e.data().get("stdout_tail")))
                .as("finally runs at the end, on every host, and sees every batch's results")
                .containsExactlyInAnyOrder("h1 4 hosts undrained", "h2 4 hosts undrained", "h3 4 hosts undrained",
                        "h4 4 hosts undrained");
        assertThat(h.ofType("run.finished").get(0).data().get("hosts")).isEqualTo(Map.of("ok", 4));
    }

    @Test
    void serialWithABatchTakesThatManyHostsAtATimeAndAloneOneHostAtATime() throws Exception {
        String steps = "steps:\n  - id: one\n    run: \"true\"\n  - id: two\n    run: \"true\"\n";
        h.run("targets: all\nstrategy: serial\nbatch: 2\n" + steps);
        assertThat(batchesOf(h.ofType("step.finished"))).containsExactly("h1 h2", "h1 h2", "h3 h4", "h3 h4");

        h.events.clear();
        h.run("targets: all\nstrategy: serial\n" + steps);
        assertThat(h.ofType("step.finished").stream().map(e -> e.host() + ":" + e.step()))
                .containsExactly("h1:one", "h1:two", "h2:one", "h2:two", "h3:one", "h3:two", "h4:one", "h4:two");
    }

    /** The hosts of each step in the order the steps ran: "h1 h2" for a step on h1 and h2. */
    private static List<String> batchesOf(List<AuditEvent> finished) {
        List<String> out = new ArrayList<>();
        String step = null;
        List<String> hosts = new ArrayList<>();
        for (AuditEvent e : finished) {
            if (!e.step().equals(step) && step != null) {
                out.add(String.join(" ", hosts.stream().sorted().toList()));
                hosts.clear();
            }
            step = e.step();
            hosts.add(e.host());
        }
        out.add(String.join(" ", hosts.stream().sorted().toList()));
        return out;
    }

    @Test
    void maxFailuresCountsFailedHostsAcrossBatchesAndNoNewBatchStartsOnceExceeded() throws Exception {
        RunOutcome o = h.run("""
                targets: all
                batch: 1
                max_failures: 1
                steps:
                  - id: check
                    run: test {{ host.name }} != h1 && test {{ host.name }} != h3
                  - id: after
                    run: "true"
                finally:
                  - id: cleanup
                    run: "true"
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(o.message()).isEqualTo("step 'check' failed on h1: exit code 1");
        assertThat(h.ofType("step.started").stream().filter(e -> "check".equals(e.step())).map(AuditEvent::host))
                .as("h1's failure is within max_failures; h3's is one too many").containsExactly("h1", "h2", "h3");
        assertThat(h.ofType("step.skipped")).extracting(e -> e.host() + " " + e.step() + ": " + e.data().get("reason"))
                .containsExactly("h4 check: not started: more than max_failures (1) hosts failed");
        assertThat(h.ofType("step.finished").stream().filter(e -> "cleanup".equals(e.step())).map(AuditEvent::host))
                .as("finally runs on the hosts that started").containsExactlyInAnyOrder("h1", "h2", "h3");
        assertThat(o.hostCounts()).isEqualTo(Map.of("failed", 2, "ok", 1, "not started", 1));
    }

    @Test
    void insideABatchTheFailuresOfEarlierBatchesCount() throws Exception {
        RunOutcome o = h.run("""
                targets: all
                batch: 2
                max_failures: 1
                steps:
                  - id: check
                    run: test {{ host.name }} != h1 && test {{ host.name }} != h3
                  - id: after
                    run: "true"
                """);

        assertThat(h.ofType("step.finished").stream().filter(e -> "after".equals(e.step())).map(AuditEvent::host))
                .as("h2 goes on without h1; h3 is the second failed host, so h4 stops after the step").containsExactly("h2");
        assertThat(o.hostCounts()).isEqualTo(Map.of("failed", 2, "ok", 1, "not finished", 1));
    }

    @Test
    void whenTheDeadlinePassesInABatchNoLaterBatchStartsAndFinallyRunsOnTheHostsThatStarted() throws Exception {
        Path sleeper = Processes.sleeper(dir);
        RunOutcome o = h.run("""
                targets: all
                batch: 2
                deadline: 1500ms
                steps:
                  - id: slow
                    run: %s 30
                  - id: after
                    run: "true"
                finally:
                  - id: cleanup
                    run: "true"
                """.formatted(sleeper));

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(o.message()).isEqualTo("the run's deadline passed");
        assertThat(h.ofType("step.started").stream().map(e -> e.host() + ":" + e.step()))
                .containsExactlyInAnyOrder("h1:slow", "h2:slow", "h1:cleanup", "h2:cleanup");
        assertThat(o.hostCounts()).containsEntry("not started", 2);
        assertThat(Processes.awaitGone(sleeper.toString(), java.time.Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void anUnknownHostKeyIsUnreachableAndAuditedWhileTheOthersRun() throws Exception {
        targets.set(1, SERVERS.get(1).target("h2", Map.of("runbook_known_hosts", dir.resolve("empty_known_hosts").toString())));
        RunOutcome o = h.run("""
                targets: all
                max_failures: 1
                steps:
                  - id: hello
                    run: echo hi from {{ host.name }}
                """);
        assertThat(h.finished("hello").data()).isNotNull();
        assertThat(h.ofType("step.finished").stream().filter(e -> "h2".equals(e.host())).map(e -> e.data().get("outcome")))
                .containsExactly("unreachable");
        AuditEvent rejected = h.ofType("host.key_rejected").get(0);
        assertThat(rejected.host()).isEqualTo("h2");
        assertThat(rejected.data()).containsEntry("changed", false);
        assertThat(String.valueOf(rejected.data().get("fingerprint"))).isEqualTo(SERVERS.get(1).hostKeyFingerprint());
        assertThat(o.hostCounts()).containsEntry("unreachable", 1).containsEntry("ok", 3);
        assertThat(h.notices).singleElement().asString()
                .startsWith("h2: host key of " + SERVERS.get(1).knownHostsName() + " is unknown (ssh-ed25519 ");
    }

    @Test
    void aKeyAcceptedUnderAcceptNewIsSaidAndAuditedOnceWithItsFingerprint() throws Exception {
        Path fresh = dir.resolve("fresh_known_hosts");
        Sshd h2 = SERVERS.get(1);
        targets.set(1, h2.target("h2", Map.of("runbook_known_hosts", fresh.toString(), "runbook_host_key_checking", "accept-new")));
        String rb = """
                targets: h1,h2
                steps:
                  - id: hello
                    run: echo hi
                """;

        RunOutcome first = h.run(rb);

        assertThat(first.hostCounts()).containsEntry("ok", 2);
        assertThat(Files.readString(fresh)).isEqualTo(h2.knownHostsLine() + "\n");
        AuditEvent accepted = h.ofType("host.key_accepted").get(0);
        assertThat(h.ofType("host.key_accepted")).hasSize(1);
        assertThat(accepted.host()).isEqualTo("h2");
        assertThat(accepted.data()).containsEntry("name", h2.knownHostsName())
                .containsEntry("fingerprint", h2.hostKeyFingerprint())
                .containsEntry("key_type", "ssh-ed25519")
                .containsEntry("known_hosts", fresh.toString())
                .doesNotContainKey("jump_host");
        AuditEvent finished = h.ofType("step.finished").stream().filter(e -> "h2".equals(e.host())).findFirst().orElseThrow();
        assertThat(accepted.seq()).as("recorded when the host was first reached").isLessThan(finished.seq());
        assertThat(h.notices).containsExactly("host key of h2 was unknown and is now trusted (accept-new): ssh-ed25519 "
                + h2.hostKeyFingerprint() + ", added to " + fresh + " as " + h2.knownHostsName());

        h.events.clear();
        h.notices.clear();
        RunOutcome again = h.run(rb);

        assertThat(again.hostCounts()).containsEntry("ok", 2);
        assertThat(h.ofType("host.key_accepted")).isEmpty();
        assertThat(h.notices).isEmpty();
        assertThat(Files.readAllLines(fresh)).hasSize(1);
    }

    @Test
    void aRevokedHostCertificateIsAuditedAsARefusedKeyWithoutAFingerprint() throws Exception {
        Path ca = dir.resolve("host_ca");
        Sshd.keygen("ed25519", ca, "", "host ca");
        try (Sshd certified = Sshd.builder().hostCertificate(ca, "-n", "127.0.0.1").start()) {
            String caKey = Files.readString(Path.of(ca + ".pub")).strip();
            Path trust = Files.writeString(dir.resolve("ca_known_hosts"),
                    "@cert-authority * " + caKey + "\n@revoked * " + caKey + "\n");
            targets.set(1, certified.target("h2", Map.of("runbook_known_hosts", trust.toString())));

            RunOutcome o = h.run("""
                    targets: h1,h2
                    steps:
                      - id: hello
                        run: echo hi
                    """);

            AuditEvent rejected = h.ofType("host.key_rejected").get(0);
            assertThat(rejected.host()).isEqualTo("h2");
            assertThat(rejected.data()).containsEntry("changed", true).doesNotContainKey("fingerprint");
            assertThat(String.valueOf(rejected.data().get("message"))).contains("host certificate of")
                    .contains("revoked").contains(trust + ":2");
            assertThat(o.hostCounts()).containsEntry("unreachable", 1).containsEntry("ok", 1);
        }
    }

    @Test
    void whenTheAuditTrailRefusesAnEventTheOtherHostsAreStoppedAndNothingMoreRuns() throws Exception {
        // h1 makes the trail immutable (chattr +i, on this machine: the sshd hosts are loopback), so the
        // event after its step cannot be written; h2 is in the middle of a long step by then
        Path trail = dir.resolve("state/audit.jsonl");
        Path sleeper = Processes.sleeper(dir);
        Path later = dir.resolve("later-ran");
        Path cleanup = dir.resolve("finally-ran");
        try {
            assertThatThrownBy(() -> h.run("targets: h1,h2\nsteps:\n" + WARM + """
                      - id: freeze
                        run: "if [ {{ host.name }} = h1 ]; then sleep 0.5; chattr +i %s; else %s 60; fi"
                      - id: later
                        run: touch %s
                    finally:
                      - id: cleanup
                        run: touch %s
                    """.formatted(trail, sleeper, later, cleanup)))
                    .isInstanceOf(AuditException.class)
                    .hasMessageContaining("cannot write to the audit trail " + trail)
                    .hasMessageContaining("the end of step 'freeze' on h1 is not recorded, and nothing more ran (finally steps included)");
        } finally {
            new ProcessBuilder("chattr", "-i", trail.toString()).start().waitFor();
        }

        assertThat(Processes.awaitGone(sleeper.toString(), java.time.Duration.ofSeconds(10)))
                .as("h2's step, stopped when the trail failed").isEmpty();
        assertThat(later).doesNotExist();
        assertThat(cleanup).doesNotExist();
        assertThat(h.ofType("step.started").stream().filter(e -> "freeze".equals(e.step())).map(AuditEvent::host))
                .containsExactlyInAnyOrder("h1", "h2");
        assertThat(dev.runbook.audit.ChainVerifier.verify(trail).intact()).isTrue();
    }
}
