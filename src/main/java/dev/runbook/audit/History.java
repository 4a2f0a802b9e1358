package dev.runbook.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.engine.Engine;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads runs back from an audit trail for {@code history} and {@code show}. */
public final class History {

    /**
     * A run as history lists it.
     *
     * @param status succeeded, failed, denied, interrupted; running (no end event, and the process
     *               that started it may still be at work: it lives, or it ran on another machine);
     *               or died (no end event, and the process is gone: killed, crashed, or its lock
     *               was taken over by a later run)
     */
    public record Run(String runId, String runbook, String started, String ended, String status, Long durationMs,
                      String user, String via, String trigger, List<String> targets) {}

    private final List<AuditEvent> events;

    private History(List<AuditEvent> events) {
        this.events = events;
    }

    /**
     * The events of the newest {@code limit} runs (of one runbook, or of any when null), and of any
     * other run with events among them: read back from the end of the file, so that {@code history}
     * and {@code show last} take as long on a trail of years as on a new one. Every event of a run
     * follows its {@code run.started}, and so does a later run's record of taking its lock over.
     */
    public static History newest(Path file, String runbook, int limit) throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        if (!Files.exists(file)) {
            return new History(events);
        }
        Set<String> started = new HashSet<>();
        int starts = 0;
        try (ReverseLines lines = new ReverseLines(file)) {
            String line;
            while (starts < limit && (line = lines.next()) != null) {
                AuditEvent e = event(line);
                if (e != null) {
                    events.add(e);
                    if (e.type().equals("run.started")) {
                        started.add(e.runId());
                        if (runbook == null || e.runbook() != null && runbook.equals(e.runbook().name())) {
                            starts++;
                        }
                    }
                }
            }
        }
        if (starts == limit) {
            // stopped before the start of the file: the last events of runs that started before
            // the ones wanted were read too, without their start; those runs are older
            events.removeIf(e -> !started.contains(e.runId()));
        }
        Collections.reverse(events);
        return new History(events);
    }

    /**
     * The events of the runs whose id starts with {@code prefix}, in one pass over the file that
     * decodes only their lines: the engine writes every event as {@code {"v":1,"run_id":"...},
     * so the id is read off the text; a line in any other shape is decoded to be sure.
     */
    public static History matching(Path file, String prefix) throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        if (!Files.exists(file)) {
            return new History(events);
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String id = line.startsWith(ID_PREFIX) ? line.substring(ID_PREFIX.length(), Math.max(ID_PREFIX.length(),
                        line.indexOf('"', ID_PREFIX.length()))) : null;
                if (id == null || id.startsWith(prefix)) {
                    AuditEvent e = event(line);
                    if (e != null && e.runId().startsWith(prefix)) {
                        events.add(e);
                    }
                }
            }
        }
        return new History(events);
    }

    private static final String ID_PREFIX = "{\"v\":" + AuditEvent.VERSION + ",\"run_id\":\"";

    /** The event a line holds; null for a line that is not one (verify reports those). */
    private static AuditEvent event(String line) {
        ObjectNode n = AuditCodec.parse(line);
        return n != null && n.hasNonNull("run_id") ? AuditCodec.decode(n) : null;
    }

    public static History of(List<AuditEvent> events) {
        return new History(events);
    }

    /** Runs, newest first, optionally of one runbook. */
    public List<Run> runs(String runbook, int limit) {
        Map<String, List<AuditEvent>> byRun = new LinkedHashMap<>();
        for (AuditEvent e : events) {
            if (!"-".equals(e.runId())) {
                byRun.computeIfAbsent(e.runId(), k -> new ArrayList<>()).add(e);
            }
        }
        Set<String> takenOver = new HashSet<>();
        for (AuditEvent e : events) {
            if (e.type().equals("run.started") && e.data().get("lock_taken_over_from") instanceof Map<?, ?> from
                    && from.get("run_id") instanceof String id) {
                takenOver.add(id);
            }
        }
        List<Run> runs = new ArrayList<>();
        for (List<AuditEvent> evs : byRun.values()) {
            Run run = summarise(evs);
            if (run.status().equals(RUNNING) && takenOver.contains(run.runId())) {
                run = withStatus(run, DIED);
            }
            if (runbook == null || runbook.equals(run.runbook())) {
                runs.add(run);
            }
        }
        runs.sort(Comparator.comparing(Run::started, Comparator.nullsFirst(Comparator.naturalOrder())).reversed());
        return runs.size() > limit ? runs.subList(0, limit) : runs;
    }

    /** The events of one run in order; {@code last} names the newest run. */
    public List<AuditEvent> run(String runId) {
        String id = runId;
        if ("last".equals(runId)) {
            List<Run> runs = runs(null, 1);
            if (runs.isEmpty()) {
                return List.of();
            }
            id = runs.get(0).runId();
        }
        String wanted = id;
        List<AuditEvent> exact = events.stream().filter(e -> wanted.equals(e.runId())).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        List<String> matching = events.stream().map(AuditEvent::runId).filter(r -> r.startsWith(wanted)).distinct().toList();
        return matching.size() == 1 ? run(matching.get(0)) : List.of();
    }

    /** The distinct ids of the runs whose id starts with {@code prefix}, sorted, at most {@code limit}. */
    public List<String> runIds(String prefix, int limit) {
        return events.stream().map(AuditEvent::runId).filter(r -> r.startsWith(prefix) && !"-".equals(r)).distinct().sorted()
                .limit(limit).toList();
    }

    /** The status of a run with no end event yet. */
    public static final String RUNNING = "running";
    /** The status of a run with no end event whose process is gone. */
    public static final String DIED = "died";

    /**
     * Whether a run with no end event may still be at work: {@link #RUNNING} while the process
     * that started it (its {@code run.started} names pid and machine) lives, {@link #DIED} once
     * that process is gone from this machine or its pid now belongs to a process started later.
     * A run of another machine, or one audited before pid and machine were recorded, is taken to
     * be running: nothing here can tell.
     */
    public static String unfinished(AuditEvent started) {
        if (!(started.data().get("pid") instanceof Number pid) || !(started.data().get("machine") instanceof String machine)
                || !machine.equals(Engine.hostName())) {
            return RUNNING;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.longValue());
        if (process.isEmpty()) {
            return DIED;
        }
        Optional<Instant> since = process.get().info().startInstant();
        try {
            // /proc gives start times to the clock tick; a second of slack keeps the owner itself running.
            return since.isPresent() && since.get().isAfter(Instant.parse(started.ts()).plusSeconds(1)) ? DIED : RUNNING;
        } catch (DateTimeParseException e) {
            return RUNNING;
        }
    }

    private static Run withStatus(Run r, String status) {
        return new Run(r.runId(), r.runbook(), r.started(), r.ended(), status, r.durationMs(), r.user(), r.via(),
                r.trigger(), r.targets());
    }

    @SuppressWarnings("unchecked")
    static Run summarise(List<AuditEvent> evs) {
        AuditEvent first = evs.get(0);
        AuditEvent last = evs.get(evs.size() - 1);
        boolean ended = last.type().equals("run.finished") || last.type().equals("run.aborted");
        String status = ended ? String.valueOf(last.data().getOrDefault("status", last.type().equals("run.aborted") ? "interrupted" : "finished"))
                : first.type().equals("run.started") ? unfinished(first) : RUNNING;
        Long duration = ended && last.data().get("duration_ms") instanceof Number n ? n.longValue() : null;
        Object targets = first.data().get("targets");
        return new Run(first.runId(), first.runbook() == null ? null : first.runbook().name(), first.ts(),
                ended ? last.ts() : null, status, duration, first.actor() == null ? null : first.actor().user(),
                first.actor() == null ? null : first.actor().via(), (String) first.data().get("trigger"),
                targets instanceof List<?> l ? (List<String>) l : List.of());
    }
}
