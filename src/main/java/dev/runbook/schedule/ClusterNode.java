package dev.runbook.schedule;

import dev.runbook.model.InvalidInputException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.quartz.SchedulerException;

/**
 * A daemon on the clustered store, one step per tick: is PostgreSQL there (else the daemon is
 * degraded, says so once, and Quartz fires again by itself when it is back, missed fires following
 * their misfire policy); are the tables there; does this node fire (its schedules are the
 * cluster's, see {@link ClusterMembers}), Quartz started or standing by accordingly.
 */
final class ClusterNode {
    private static final long MINUTE = 60_000_000_000L;
    private final Daemon daemon;
    private final Daemon.Settings settings;
    private final StoreConnection store;
    private final ClusterMembers members;
    /** A node not seen for this long is gone: 7.5 s plus two check-ins, as for Quartz. */
    private final Duration stale;
    private QuartzStore quartz;
    private boolean migrated;
    private boolean firing;
    /** The schedules this node last made the store hold. */
    private String applied;
    /** Why the store does not answer, while it does not; and when that was last said. */
    private String unreachable;
    private long saidAt;
    /** Since when the store answers (at start, or after an outage). */
    private boolean reached;
    private long reachedAt;
    private boolean waiting;
    private String standingBy;

    ClusterNode(Daemon daemon, Daemon.Settings settings) {
        this.daemon = daemon;
        this.settings = settings;
        this.store = new StoreConnection(settings.jdbc(), settings.node());
        this.stale = Duration.ofMillis(7500).plus(settings.checkin().multipliedBy(2));
        this.members = new ClusterMembers(store, settings.jdbc().schema(), settings.cluster(), settings.node(), stale);
    }

    /**
     * The first step, at start: what a person must fix (a refused password, a missing database or
     * privilege) refuses the start; a store out of reach is waited for.
     *
     * @throws InvalidInputException for the former
     */
    void start(ScheduleSet mine) throws SchedulerException {
        StoreConnection.Problem p = reach();
        if (p != null && !p.passing()) {
            store.close();
            throw InvalidInputException.usage("the daemon's clustered store: " + p.message());
        }
        step(mine, p);
    }

    /** One tick. */
    void step(ScheduleSet mine) throws SchedulerException {
        step(mine, reach());
    }

    private void step(ScheduleSet mine, StoreConnection.Problem problem) throws SchedulerException {
        if (problem != null) {
            // said when it starts; a different reason later (shutting down, then refused) at most once a minute
            if (unreachable == null || !problem.message().equals(unreachable) && System.nanoTime() - saidAt > MINUTE) {
                daemon.log("scheduler store: " + problem.message() + "; nothing fires until it answers"
                        + " (then fires missed meanwhile follow each schedule's misfire policy)");
                saidAt = System.nanoTime();
            }
            unreachable = problem.message();
            daemon.status(Daemon.Status.DEGRADED, problem.message());
            return;
        }
        if (unreachable != null || !reached) {
            if (unreachable != null) {
                daemon.log("scheduler store: PostgreSQL answers again" + (firing ? "; firing resumes" : ""));
            }
            unreachable = null;
            reached = true;
            reachedAt = System.nanoTime();
        }
        if (quartz == null) {
            quartz = QuartzStore.create(settings, daemon);
            daemon.useQuartz(quartz);
        }
        ClusterMembers.Decision d;
        try {
            d = members.decide(mine.described(), () -> define(mine));
        } catch (SQLException e) {
            store.close();
            throw new IllegalStateException("cluster '" + settings.cluster() + "': " + store.describe(e), e);
        }
        if (d.active()) {
            fire(mine);
        } else if (d.activePeers().isEmpty()) {
            daemon.status(firing ? Daemon.Status.OK : Daemon.Status.STARTING, firing ? null
                    : "waiting for the other nodes of cluster '" + settings.cluster() + "' to check in");
        } else {
            standBy(mine, d.activePeers());
        }
    }

    /** Null when PostgreSQL answers and the tables are there (created the first time). */
    private StoreConnection.Problem reach() {
        StoreConnection.Problem p = store.check();
        if (p != null || migrated) {
            return p;
        }
        try {
            QuartzSchema.migrate(store.get(), settings.jdbc().schema());
            migrated = true;
            return null;
        } catch (SQLException e) {
            store.close();
            return store.problem(e);
        }
    }

    /**
     * No other node fires: the store is to hold this node's schedules (under the cluster's lock).
     * Right after this node reached the store (its start, or the end of an outage, when every node's
     * check-in is old), a change that would remove or alter a schedule waits until the others had
     * the time to check in: else a node with other files could replace the schedules of the nodes
     * that fire them, only for having been the first back.
     *
     * @return whether the store holds this node's schedules now
     */
    private boolean define(ScheduleSet mine) {
        if (firing && mine.described().equals(applied)) {
            return true;
        }
        try {
            List<String> changes = quartz.changes(mine);
            boolean replaces = changes.stream().anyMatch(c -> !c.startsWith("added "));
            if (replaces && System.nanoTime() - reachedAt < stale.toNanos()) {
                if (!waiting) {
                    daemon.log("cluster '" + settings.cluster() + "': no other node fires yet; this node waits "
                            + stale.toSeconds() + " s for the others to check in before its schedules replace the cluster's ("
                            + String.join(", ", changes) + ")");
                    waiting = true;
                }
                return false;
            }
            daemon.firesWith(mine);
            quartz.apply(mine);
            if (!changes.isEmpty() && (applied != null || replaces)) {
                daemon.log("cluster '" + settings.cluster() + "': no other node fires; the store now holds this node's schedules ("
                        + String.join(", ", changes) + ")");
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot store the schedules: " + e.getMessage(), e);
        }
        applied = mine.described();
        waiting = false;
        return true;
    }

    private void fire(ScheduleSet mine) throws SchedulerException {
        daemon.firesWith(mine);
        if (!firing && !daemon.stopping()) {
            quartz.scheduler().start();
            firing = true;
            if (standingBy != null) {
                daemon.log("cluster '" + settings.cluster() + "': this node's schedules are the cluster's now; it fires");
                standingBy = null;
            }
        }
        daemon.status(Daemon.Status.OK, null);
    }

    private void standBy(ScheduleSet mine, List<ClusterMembers.Peer> active) throws SchedulerException {
        if (firing) {
            quartz.scheduler().standby();
            firing = false;
        }
        String why = "its schedules differ from those cluster '" + settings.cluster() + "' fires (nodes "
                + String.join(", ", active.stream().map(ClusterMembers.Peer::node).toList()) + "): "
                + String.join("; ", ScheduleSet.againstCluster(mine.described(), active.get(0).schedules()));
        if (!why.equals(standingBy)) {
            daemon.log("standing by: " + why + ". This node fires nothing and leaves the cluster's schedules as they are, until"
                    + " its schedules match (give every node the same files, or another --cluster) or no other node fires");
            standingBy = why;
        }
        daemon.status(Daemon.Status.STANDBY, why);
    }

    void close() {
        members.leave();
        store.close();
    }
}
