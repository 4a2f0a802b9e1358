package dev.runbook.model;

/**
 * How a step or a run spreads over several hosts.
 *
 * @param maxParallel hosts at once (0: all)
 * @param batch       hosts per rolling batch, or null for one batch of all; a percentage or a count
 * @param maxFailures failed hosts tolerated before no new host is started, or null for none
 * @param serial      take one host at a time through the whole runbook
 */
public record FanOut(int maxParallel, Amount batch, Amount maxFailures, boolean serial) {

    public static final FanOut DEFAULT = new FanOut(0, null, null, false);

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
