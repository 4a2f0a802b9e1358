package dev.runbook.cli;

import dev.runbook.model.FanOut;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan's account of how its hosts go through the run: step by step over all of them or batch by
 * batch, how many at once, and how many may fail: what a reviewer of a rolling change most needs.
 */
final class FanOutText {
    /** Batches listed host by host up to this many hosts; beyond, only counted. */
    private static final int LISTED = 32;

    private FanOutText() {}

    /** Whether a plan shows it: over several hosts, or when the runbook sets any of its keys. */
    static boolean shown(FanOut fo, List<String> hosts) {
        return hosts.size() > 1 || !fo.equals(FanOut.DEFAULT);
    }

    /** "in batches of 2 (h1, h2 | h3, h4), each through every step before the next starts; ...". */
    static String describe(FanOut fo, List<String> hosts) {
        int n = hosts.size();
        int size = fo.runBatch(n);
        int parallel = fo.parallel(size);
        String how;
        if (size == 1 && (n > 1 || fo.serial())) {
            how = "one host at a time through every step, then the next (" + String.join(" → ", listed(hosts, 1)) + ")";
        } else if (fo.rolling(n)) {
            List<String> batches = listed(hosts, size);
            how = "in batches of " + size + " (" + String.join(" | ", batches) + "), each batch through every step before the next"
                    + " starts; " + (parallel >= size ? "a batch's hosts at once" : atOnce(parallel, size) + " in a batch");
        } else {
            how = "step by step: every host finishes a step before any starts the next; " + atOnce(parallel, n);
        }
        return how + "; " + failures(fo.allowedFailures(n), n);
    }

    /** The same, for {@code --format json}. */
    static Map<String, Object> json(FanOut fo, List<String> hosts) {
        int n = hosts.size();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", fo.serial() ? "serial" : "linear");
        m.put("batch", fo.batch() == null ? null : fo.batch().toString());
        m.put("batches", batches(hosts, fo.runBatch(n)));
        m.put("max_parallel", fo.parallel(fo.runBatch(n)));
        m.put("max_failures", fo.allowedFailures(n));
        m.put("text", describe(fo, hosts));
        return m;
    }

    private static String atOnce(int parallel, int hosts) {
        return parallel >= hosts ? "all " + hosts + " hosts at once" : parallel == 1 ? "one host at a time" : "up to " + parallel + " hosts at once";
    }

    private static String failures(int allowed, int hosts) {
        if (allowed == 0) {
            return "max_failures 0: the first host that fails stops the run after its step";
        }
        if (allowed >= hosts) {
            return "max_failures " + allowed + ": a host that fails leaves the run, the others go on";
        }
        return "max_failures " + allowed + ": once more than " + allowed + " host" + (allowed == 1 ? "" : "s")
                + " failed, no new host or batch starts";
    }

    /** Each batch's hosts ("h1, h2"), or how many batches there are when the hosts are many. */
    private static List<String> listed(List<String> hosts, int size) {
        if (hosts.size() > LISTED) {
            int count = (hosts.size() + size - 1) / size;
            return List.of(count + " batches of " + hosts.size() + " hosts");
        }
        return batches(hosts, size).stream().map(b -> String.join(", ", b)).toList();
    }

    private static List<List<String>> batches(List<String> hosts, int size) {
        List<List<String>> out = new ArrayList<>();
        for (int from = 0; from < hosts.size(); from += size) {
            out.add(hosts.subList(from, Math.min(hosts.size(), from + size)));
        }
        return out;
    }
}
