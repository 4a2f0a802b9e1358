package dev.runbook.schedule;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/** The daemon's metrics, in Prometheus text format through the Prometheus Java client. */
final class DaemonMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter runs = Counter.builder().name("runbook_scheduled_runs_total")
            .help("Scheduled runs by schedule and outcome (succeeded, failed, denied, interrupted, skipped_overlap, error)")
            .labelNames("schedule", "outcome").register(registry);
    private final Histogram durations = Histogram.builder().name("runbook_scheduled_run_duration_seconds")
            .help("Duration of scheduled runs").labelNames("schedule")
            .classicUpperBounds(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600).register(registry);
    private final Histogram fireDelay = Histogram.builder().name("runbook_fire_delay_seconds")
            .help("Delay from a trigger's scheduled time to the run starting").labelNames("schedule")
            .classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60).register(registry);
    private final Gauge lastSuccess = Gauge.builder().name("runbook_last_success_timestamp_seconds")
            .help("Unix time of the last successful run per schedule").labelNames("schedule").register(registry);
    private final Gauge running = Gauge.builder().name("runbook_runs_in_progress")
            .help("Scheduled runs executing on this node").register(registry);

    void started(String schedule, double delaySeconds) {
        fireDelay.labelValues(schedule).observe(Math.max(0, delaySeconds));
        running.inc();
    }

    void finished(String schedule, String outcome, double seconds) {
        running.dec();
        runs.labelValues(schedule, outcome).inc();
        durations.labelValues(schedule).observe(seconds);
        if (outcome.equals("succeeded")) {
            lastSuccess.labelValues(schedule).set(System.currentTimeMillis() / 1000.0);
        }
    }

    /** A fire that did not become a run, before {@link #started}: counted by reason only. */
    void skipped(String schedule, String reason) {
        runs.labelValues(schedule, reason).inc();
    }

    /** A fire counted as started whose run then did not happen (the lock was held). */
    void notStarted(String schedule, String reason) {
        running.dec();
        runs.labelValues(schedule, reason).inc();
    }

    void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }

    static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
