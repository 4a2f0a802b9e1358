package dev.runbook.schedule;

import dev.runbook.load.Durations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The enabled schedules a daemon fires, by id; written out as the cluster compares them (one line
 * per schedule: its id, a fingerprint of everything that decides what a fire does, and a summary
 * that names params but never their values), and how two such sets differ, in words.
 */
final class ScheduleSet {
    private final Map<String, Schedule> byId;
    private final String described;

    private ScheduleSet(Map<String, Schedule> byId) {
        this.byId = byId;
        StringBuilder b = new StringBuilder();
        new TreeMap<>(byId).forEach((id, s) -> b.append(id).append('\t').append(fingerprint(s)).append('\t').append(summary(s)).append('\n'));
        this.described = b.toString();
    }

    static ScheduleSet of(List<Schedule> schedules) {
        Map<String, Schedule> m = new LinkedHashMap<>();
        schedules.stream().filter(Schedule::enabled).forEach(s -> m.put(s.id(), s));
        return new ScheduleSet(java.util.Collections.unmodifiableMap(m));
    }

    Schedule get(String id) {
        return byId.get(id);
    }

    Collection<Schedule> all() {
        return byId.values();
    }

    int size() {
        return byId.size();
    }

    /** The set as the cluster table holds it; equal for two nodes that read the same files. */
    String described() {
        return described;
    }

    /** What a change from this set to {@code next} does, one phrase per schedule ("added x: ..."). */
    List<String> changesTo(ScheduleSet next) {
        List<String> out = new ArrayList<>();
        for (Difference d : differences(described, next.described)) {
            out.add(d.from() == null ? "added " + d.id() + " (" + d.to() + ")" : d.to() == null ? "removed " + d.id()
                    : "changed " + d.id() + " (" + change(d.from(), d.to()) + ")");
        }
        return out;
    }

    /** How this node's set differs from the cluster's, one phrase per schedule. */
    static List<String> againstCluster(String mine, String cluster) {
        List<String> out = new ArrayList<>();
        for (Difference d : differences(cluster, mine)) {
            out.add(d.from() == null ? d.id() + " only here" : d.to() == null ? d.id() + " only in the cluster"
                    : d.id() + " differs (" + (d.from().equals(d.to()) ? "its param values" : "cluster: " + d.from() + "; here: " + d.to()) + ")");
        }
        return out;
    }

    /** One schedule in two versions; a side is null where it is absent. Summaries only. */
    private record Difference(String id, String from, String to) {}

    private static List<Difference> differences(String a, String b) {
        Map<String, String[]> left = parse(a);
        Map<String, String[]> right = parse(b);
        List<Difference> out = new ArrayList<>();
        java.util.SortedSet<String> ids = new java.util.TreeSet<>(left.keySet());
        ids.addAll(right.keySet());
        for (String id : ids) {
            String[] l = left.get(id);
            String[] r = right.get(id);
            if (l == null || r == null || !l[0].equals(r[0])) {
                out.add(new Difference(id, l == null ? null : l[1], r == null ? null : r[1]));
            }
        }
        return out;
    }

    /** Summaries that are the same differ in param values, which they do not show. */
    private static String change(String from, String to) {
        return from.equals(to) ? "param values" : from + " → " + to;
    }

    private static Map<String, String[]> parse(String described) {
        Map<String, String[]> out = new TreeMap<>();
        for (String line : described.split("\n")) {
            String[] f = line.split("\t", 3);
            if (f.length == 3) {
                out.put(f[0], new String[] {f[1], f[2]});
            }
        }
        return out;
    }

    /** When and what: the runbook by name, since its path differs from one machine to the next. */
    static String summary(Schedule s) {
        return "runbook " + s.runbookName() + ", cron '" + s.cron() + "' " + s.timeZone().getId()
                + (s.params().isEmpty() ? "" : ", params " + String.join(",", new java.util.TreeSet<>(s.params().keySet())))
                + (s.targets() == null ? "" : ", targets " + s.targets())
                + (s.approve().isEmpty() ? "" : ", approves " + String.join(",", s.approve()))
                + ", misfire " + s.misfire().name().toLowerCase(Locale.ROOT).replace('_', '-')
                + ", overlap " + s.overlap().name().toLowerCase(Locale.ROOT)
                + (s.deadline() == null ? "" : ", deadline " + Durations.format(s.deadline()));
    }

    private static String fingerprint(Schedule s) {
        String all = summary(s) + "\u0000" + new TreeMap<>(s.params());
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(all.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
