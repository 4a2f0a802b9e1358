package dev.runbook.engine;

import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;

/** The results of one runbook invocation's steps, per host, as expressions see them. */
final class RunState {
    private final Set<String> ids;
    /** The run's hosts in the order it starts them: {@code steps.x.hosts} lists them so, whichever finished first. */
    private final List<String> hostOrder;
    private final Map<String, Integer> hostIndex = new java.util.HashMap<>();
    private final Map<String, Map<String, StepResult>> perHost = new ConcurrentHashMap<>();
    /** Steps a dry run did not execute: their results are unknown, not absent. */
    private final Set<String> unknown = ConcurrentHashMap.newKeySet();
    /** "step\nhost" of the hosts a step held back: skipped there without having started. */
    private final Set<String> heldBack = ConcurrentHashMap.newKeySet();

    RunState(Runbook rb, List<String> hostOrder) {
        this.ids = rb.allSteps().stream().map(Step::id).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        this.hostOrder = List.copyOf(hostOrder);
        for (String h : this.hostOrder) {
            hostIndex.putIfAbsent(h, hostIndex.size());
        }
    }

    List<String> hostOrder() {
        return hostOrder;
    }

    void record(String stepId, String host, StepResult result) {
        perHost.computeIfAbsent(stepId, k -> new ConcurrentSkipListMap<>(this::compareHosts)).put(host, result);
        unknown.remove(stepId);
    }

    /** A step's result on a host it did not start because too many hosts failed ({@code max_failures}). */
    void recordHeldBack(String stepId, String host, StepResult result) {
        record(stepId, host, result);
        heldBack.add(stepId + "\n" + host);
    }

    boolean heldBack(String stepId, String host) {
        return heldBack.contains(stepId + "\n" + host);
    }

    void markUnknown(String stepId) {
        if (!perHost.containsKey(stepId)) {
            unknown.add(stepId);
        }
    }

    Set<String> unknownIds() {
        return Set.copyOf(unknown);
    }

    /** The run's order; a host only a step's own {@code targets} brought in comes after, by name. */
    private int compareHosts(String a, String b) {
        int i = hostIndex.getOrDefault(a, Integer.MAX_VALUE);
        int j = hostIndex.getOrDefault(b, Integer.MAX_VALUE);
        if (i != j) {
            return Integer.compare(i, j);
        }
        return a.compareTo(b);
    }

    boolean isUnknown(String stepId) {
        return unknown.contains(stepId);
    }

    StepResult result(String stepId, String host) {
        Map<String, StepResult> m = perHost.get(stepId);
        StepResult r = m == null ? null : m.get(host);
        return r == null ? StepResult.notRun() : r;
    }

    /** The result of a step across hosts: the step's own when one host, with every host under {@code hosts}. */
    StepResult aggregate(String stepId) {
        Map<String, StepResult> m = perHost.getOrDefault(stepId, Map.of());
        if (m.isEmpty()) {
            return StepResult.notRun();
        }
        Map<String, StepResult> hosts = new LinkedHashMap<>(m);
        StepResult first = hosts.values().stream().filter(StepResult::failed).findFirst()
                .orElse(hosts.values().iterator().next());
        return new StepResult(first.outcome(), first.message(), hosts.values().stream().mapToLong(StepResult::durationMs).max().orElse(0),
                first.attempts(), first.tolerated(), first.fields(), first.items(), hosts);
    }

    /** {@code steps} for expressions evaluated on {@code host}: each step's result there, plus all hosts. */
    Map<String, Object> scopeFor(String host, boolean dryRun) {
        return new AbstractMap<>() {
            @Override
            public Object get(Object key) {
                String id = String.valueOf(key);
                if (!ids.contains(id)) {
                    return null;
                }
                if (dryRun && unknown.contains(id)) {
                    Placeholder.TOUCHED.set(true);
                    return new Placeholder("steps." + id);
                }
                Map<String, Object> scope = result(id, host).toScope();
                Map<String, StepResult> all = perHost.getOrDefault(id, Map.of());
                Map<String, Object> hosts = new LinkedHashMap<>();
                all.forEach((h, r) -> hosts.put(h, r.toScope()));
                scope.put("hosts", hosts);
                return scope;
            }

            @Override
            public boolean containsKey(Object key) {
                return ids.contains(String.valueOf(key));
            }

            @Override
            public Set<Entry<String, Object>> entrySet() {
                Map<String, Object> m = new LinkedHashMap<>();
                ids.forEach(id -> m.put(id, get(id)));
                return m.entrySet();
            }
        };
    }

    /** A value a dry run cannot know yet; it renders as {@code <steps.x.stdout>}. */
    static final class Placeholder extends AbstractMap<String, Object> implements dev.runbook.expr.Unknown {
        /** Set when an evaluation reached an unknown value: its result is then not a decision. */
        static final ThreadLocal<Boolean> TOUCHED = ThreadLocal.withInitial(() -> false);
        private final String path;

        Placeholder(String path) {
            this.path = path;
        }

        @Override
        public Object get(Object key) {
            return new Placeholder(path + "." + key);
        }

        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return Set.of();
        }

        @Override
        public String toString() {
            return "<" + path + ">";
        }
    }
}
