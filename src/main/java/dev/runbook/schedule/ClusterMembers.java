package dev.runbook.schedule;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The daemons of a cluster and the schedules each reads from its own files, in
 * {@code runbook_daemon_nodes} beside Quartz's tables. A cluster fires one set of schedules, the
 * set its active nodes share: a node whose files say otherwise stands by (fires nothing) until they
 * agree, and never changes the store; the node that finds no other active node makes the store
 * hold its own set. So a node started with other files cannot delete the schedules the running
 * nodes fire, and a change reaches the store once the last node with the old files has it too
 * (or has stopped).
 */
final class ClusterMembers {
    /** Another live node: its schedules as {@link ScheduleSet#described()} writes them, and whether it fires. */
    record Peer(String node, String schedules, boolean active) {}

    /**
     * @param active      whether this node fires: all other active nodes have its schedules, or there
     *                    is none and the store now holds them
     * @param activePeers the other nodes that fire
     */
    record Decision(boolean active, List<Peer> activePeers) {}

    private final StoreConnection store;
    private final String table;
    private final String cluster;
    private final String node;
    private final Duration stale;

    /** @param stale a node not seen for this long is gone (killed, or cut off from PostgreSQL) */
    ClusterMembers(StoreConnection store, String schema, String cluster, String node, Duration stale) {
        this.store = store;
        this.table = (schema == null ? "" : schema + ".") + "runbook_daemon_nodes";
        this.cluster = cluster;
        this.node = node;
        this.stale = stale;
    }

    /**
     * Under the cluster's lock: whether this node fires with {@code mine}, published for the others.
     * When no other node is active, {@code define} runs (still under the lock) to make the store hold
     * {@code mine}, and says whether it did (it may wait, see {@link ClusterNode}).
     */
    Decision decide(String mine, BooleanSupplier define) throws SQLException {
        Connection c = store.get();
        lock(c, "pg_advisory_lock");
        try {
            List<Peer> active = peers(c).stream().filter(Peer::active).toList();
            boolean fires = active.isEmpty() ? define.getAsBoolean() : active.stream().allMatch(p -> p.schedules().equals(mine));
            publish(c, mine, fires);
            return new Decision(fires, active);
        } finally {
            lock(c, "pg_advisory_unlock");
        }
    }

    /** Takes this node out of the cluster (a clean stop), so that none waits for it. */
    void leave() {
        try (PreparedStatement ps = store.get().prepareStatement("DELETE FROM " + table + " WHERE cluster = ? AND node = ?")) {
            ps.setString(1, cluster);
            ps.setString(2, node);
            ps.executeUpdate();
        } catch (SQLException e) {
            // it ages out
        }
    }

    private void lock(Connection c, String function) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(hashtext(?))")) {
            ps.setString(1, "runbook:daemon-cluster:" + cluster);
            ps.execute();
        }
    }

    private List<Peer> peers(Connection c) throws SQLException {
        List<Peer> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT node, schedules, active FROM " + table
                + " WHERE cluster = ? AND node <> ? AND seen_at > now() - make_interval(secs => ?) ORDER BY node")) {
            ps.setString(1, cluster);
            ps.setString(2, node);
            ps.setDouble(3, stale.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Peer(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    private void publish(Connection c, String mine, boolean active) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (cluster, node, schedules, active, seen_at)"
                + " VALUES (?, ?, ?, ?, now()) ON CONFLICT (cluster, node) DO UPDATE"
                + " SET schedules = EXCLUDED.schedules, active = EXCLUDED.active, seen_at = EXCLUDED.seen_at")) {
            ps.setString(1, cluster);
            ps.setString(2, node);
            ps.setString(3, mine);
            ps.setBoolean(4, active);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE seen_at < now() - interval '7 days'")) {
            ps.executeUpdate();  // nodes long gone
        }
    }
}
