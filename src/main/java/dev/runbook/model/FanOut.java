package dev.runbook.model;

/**
 * How a step or a run spreads over several hosts.
 *
 * <p>At the top of a runbook, {@code batch} (or {@code serial}, a batch of one) takes each batch
 * of hosts through every step before the next batch starts, and {@code max_failures} counts the
 * hosts that failed over the whole run; on a step, {@code batch} splits that step alone and
 * {@code max_failures} counts that step's failures.
 *
 * @param maxParallel hosts at once (0: {@link #DEFAULT_MAX_PARALLEL})
 * @param batch       hosts per rolling batch, or null for one batch of all; a percentage or a count
 * @param maxFailures failed hosts tolerated before no new host is started, or null for none
 * @param serial      take one host at a time (or {@code batch} hosts) through the whole runbook
 */
public record FanOut(int maxParallel, Amount batch, Amount maxFailures, boolean serial) {

    public static final FanOut DEFAULT = new FanOut(0, null, null, false);

    /**
     * Hosts at once when nothing says otherwise: the fan-out of pdsh and pssh. A bound, so that on
     * a large fleet {@code max_failures} has hosts left to protect and a thousand hosts are not a
     * thousand SSH handshakes at once; up to this many hosts, a step runs on all of them at once.
     */
    public static final int DEFAULT_MAX_PARALLEL = 32;

    /** A count or a percentage of the hosts. */
    public record Amount(int value, boolean percent) {
        public int of(int hosts) {
            if (!percent) {
                return value;
            }
            return Math.max(value == 0 ? 0 : 1, (int) Math.floor(hosts * value / 100.0));
        }

        @Override
        public String toString() {
            return value + (percent ? "%" : "");
        }
    }

    /** Hosts at once out of {@code hosts}. */
    public int parallel(int hosts) {
        return Math.min(maxParallel == 0 ? DEFAULT_MAX_PARALLEL : maxParallel, Math.max(1, hosts));
    }

    /** How many of {@code hosts} may fail before no new host starts (default 0). */
    public int allowedFailures(int hosts) {
        return maxFailures == null ? 0 : maxFailures.of(hosts);
    }

    /** Hosts a run takes through all its steps at a time: its {@code batch}, 1 when serial, else all. */
    public int runBatch(int hosts) {
        if (batch != null) {
            return Math.max(1, Math.min(hosts, batch.of(hosts)));
        }
        return serial ? 1 : Math.max(1, hosts);
    }

    /** Whether a run over {@code hosts} goes batch by batch rather than step by step over all of them. */
    public boolean rolling(int hosts) {
        return runBatch(hosts) < hosts;
    }

    /**
     * What a runbook's fan-out leaves to each of its steps: the run takes care of its batches, so
     * they are not applied again to every step.
     */
    public FanOut perStep() {
        return batch == null && !serial ? this : new FanOut(maxParallel, null, maxFailures, false);
    }

    public FanOut merge(FanOut override) {
        if (override == null) {
            return this;
        }
        return new FanOut(
                override.maxParallel != 0 ? override.maxParallel : maxParallel,
                override.batch != null ? override.batch : batch,
                override.maxFailures != null ? override.maxFailures : maxFailures,
                override.serial || serial);
    }
}
