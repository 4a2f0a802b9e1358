package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.engine.RunListener;
import dev.runbook.exec.OutputListener;
import dev.runbook.model.Visible;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shows a run to a person. On a terminal: one live line per running step (host) with a spinner
 * and elapsed time, output printed above it, colours unless NO_COLOR. Elsewhere: plain lines,
 * one per event worth reading. Only this package prints.
 */
final class Console implements RunListener {
    private static final String[] SPIN = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

    private final Terminal term;
    /**
     * Whether lines name their host: from the moment a second host takes part (the run's targets,
     * or a step's), so that a multi-host run's lines and live status lines are told apart. The
     * line that starts the run names the host of a single-host run.
     */
    private boolean showHost;
    private String firstHost;
    private final Map<String, Long> running = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker;
    private int frame;
    private int drawn;
    /** Step output not yet written, written above the live status lines. */
    private final LineBatch pending;

    Console(Terminal term, boolean showHost) {
        this.term = term;
        this.showHost = showHost;
        this.pending = new LineBatch(this, text -> {
            clearLive();
            term.out.print(text);
            drawLive();
            term.out.flush();
        });
        if (term.interactive) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "console");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::tick, 100, 100, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    @Override
    public synchronized void event(AuditEvent e) {
        Map<String, Object> d = e.data();
        if (e.type().equals("run.started")) {
            for (String t : strings(d.get("targets"))) {
                seeHost(t);
            }
        }
        seeHost(e.host());
        String who = label(e.host(), e.step()) + item(d);
        switch (e.type()) {
            case "run.started" -> println(term.bold("run " + e.runId()) + ": " + shown(e.runbook().name())
                    + " on " + shown(String.join(", ", strings(d.get("targets")))) + (Boolean.TRUE.equals(d.get("dry_run")) ? " (dry run, probing readonly steps)" : ""));
            case "step.started" -> {
                running.put(key(e), System.nanoTime());
                // a confirm step's command is its prompt, which the gate's "asks:" line has just shown
                if (!term.interactive && !"confirm".equals(d.get("kind"))) {
                    println(who + ": started" + (d.get("command") == null ? "" : ": " + shown(oneLine(String.valueOf(d.get("command"))))));
                }
            }
            case "step.attempt" -> println(who + ": " + term.yellow("attempt " + d.get("attempt") + " " + d.get("outcome"))
                    + (d.get("message") == null ? "" : ": " + shown(d.get("message"))) + ", retrying in " + d.get("next_delay_ms") + " ms");
            case "step.skipped" -> println(term.dim("- " + who + ": skipped (" + shown(d.get("reason")) + ")"));
            case "step.finished" -> {
                running.remove(key(e));
                println(finished(who, d));
                if (d.get("rows_preview") instanceof List<?> rows) {
                    for (Object row : rows) {
                        println(term.dim(label(e.host(), e.step()) + " │ ") + shown(row instanceof Map<?, ?> m ? rowText(m) : row));
                    }
                }
            }
            case "gate.approved" -> println(term.green("✓ " + who + ": approved") + " by " + shown(e.actor().user()) + " via " + shown(e.actor().via()));
            case "gate.asked" -> {
                if (!term.interactive) {
                    println(who + ": asks: " + shown(d.get("prompt")));
                }
            }
            case "gate.denied" -> println(term.red("✗ " + who + ": not approved") + " (" + shown(d.get("reason")) + ")");
            default -> { }
        }
    }

    private String finished(String who, Map<String, Object> d) {
        String outcome = String.valueOf(d.get("outcome"));
        String time = term.dim(seconds(d.get("duration_ms")));
        String attempts = d.get("attempts") instanceof Number n && n.intValue() > 1 ? " after " + n + " attempts" : "";
        String msg = d.get("message") == null ? "" : "  " + shown(d.get("message"));
        return switch (outcome) {
            case "ok" -> term.green("✓ ") + who + "  " + time + attempts;
            case "skipped", "not run" -> term.dim("- " + who + "  " + outcome + msg);
            default -> term.red("✗ " + who + "  " + outcome) + "  " + time + attempts + term.red(msg);
        };
    }

    @Override
    public synchronized void output(String host, String step, OutputListener.Stream stream, String line) {
        seeHost(host);
        String prefix = term.dim(label(host, step) + " │ ");
        String text = shown(line);
        pending.add(prefix + (stream == OutputListener.Stream.STDERR ? term.yellow(text) : text));
    }

    @Override
    public synchronized void notice(String message) {
        println(term.yellow("! " + shown(message)));
    }

    /** Writes a line above the live status lines. */
    synchronized void println(String line) {
        pending.flush();
        clearLive();
        term.out.println(line);
        drawLive();
    }

    /** Stops redrawing, e.g. while a gate asks a question. */
    synchronized void pause() {
        pending.flush();
        clearLive();
    }

    synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        pending.close();
        clearLive();
        term.out.flush();
    }

    private synchronized void tick() {
        frame++;
        clearLive();
        drawLive();
    }

    private void clearLive() {
        if (!term.interactive || drawn == 0) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < drawn; i++) {
            b.append("\u001b[1A\u001b[2K");
        }
        term.out.print(b);
        drawn = 0;
    }

    private void drawLive() {
        if (!term.interactive || running.isEmpty()) {
            return;
        }
        List<Map.Entry<String, Long>> shown = running.entrySet().stream().limit(10).toList();
        for (Map.Entry<String, Long> r : shown) {
            long ms = (System.nanoTime() - r.getValue()) / 1_000_000;
            String key = r.getKey();
            int cut = key.indexOf('\n');
            String who = label(cut == 0 ? null : key.substring(0, cut), key.substring(cut + 1));
            term.out.println(term.yellow(SPIN[frame % SPIN.length]) + " " + who + "  " + term.dim(seconds(ms)));
            drawn++;
        }
        if (running.size() > shown.size()) {
            term.out.println(term.dim("  ... and " + (running.size() - shown.size()) + " more running"));
            drawn++;
        }
        term.out.flush();
    }

    /** A running step's key: its host and step, whether or not lines name hosts yet (drawn by {@link #label}). */
    private static String key(AuditEvent e) {
        return (e.host() == null ? "" : e.host()) + "\n" + e.step();
    }

    /** Starts naming hosts once a second one takes part. */
    private void seeHost(String host) {
        if (host == null || showHost) {
            return;
        }
        if (firstHost == null) {
            firstHost = host;
        } else if (!firstHost.equals(host)) {
            showHost = true;
        }
    }

    /** Host and step as lines name them; both may come from outside (an inventory, a called runbook). */
    private String label(String host, String step) {
        if (step == null) {
            return host == null ? "" : shown(host);
        }
        return shown(showHost && host != null ? host + " " + step : step);
    }

    /**
     * Text from outside the tool (output, params, messages, names) with its control characters
     * escaped: a host's output cannot move the cursor over the live lines or print a line of ours.
     */
    private static String shown(Object text) {
        return Visible.line(String.valueOf(text));
    }

    /** A looped step's item, as Ansible's "(item=postgresql)": " [postgresql]"; empty for any other event. */
    static String item(Map<String, Object> d) {
        Object item = d.get("item");
        if (item == null) {
            return "";
        }
        String text = oneLine(String.valueOf(item));
        return " [" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "]";
    }

    private static String rowText(Map<?, ?> row) {
        StringBuilder b = new StringBuilder();
        row.forEach((k, v) -> b.append(b.length() == 0 ? "" : "  ").append(k).append('=').append(dev.runbook.expr.Functions.str(v)));
        return b.toString();
    }

    /** {@code 830 ms}, {@code 1.8 s}, as step messages say it too ({@link dev.runbook.load.Durations#elapsed}). */
    static String seconds(Object ms) {
        return dev.runbook.load.Durations.elapsed(ms instanceof Number n ? n.longValue() : 0);
    }

    private static String oneLine(String s) {
        String first = s.strip().lines().findFirst().orElse("");
        return s.strip().contains("\n") ? first + " ..." : first;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return o instanceof List<?> l ? (List<String>) l : List.of(String.valueOf(o));
    }
}
