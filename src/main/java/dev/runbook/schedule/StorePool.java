package dev.runbook.schedule;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import org.quartz.utils.ConnectionProvider;

/**
 * Quartz's connections to the clustered store: HikariCP, with the waits bounded as the daemon's own
 * connection's are (Quartz's stock provider leaves Hikari's 30 s for a connection, which holds a
 * firing thread that long on every attempt while PostgreSQL is down).
 */
final class StorePool implements ConnectionProvider {
    private final HikariDataSource pool;

    StorePool(Daemon.Jdbc jdbc, String node, int size) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbc.url());
        c.setDataSourceProperties(StoreConnection.properties(jdbc, "runbook daemon " + node + " (quartz)", 60));
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(1);
        c.setConnectionTimeout(StoreConnection.CONNECT_TIMEOUT.toMillis());
        c.setValidationTimeout(3000);
        c.setInitializationFailTimeout(-1);  // created before the server may answer: connect when asked
        c.setPoolName("runbook-daemon");
        c.setAutoCommit(false);
        pool = new HikariDataSource(c);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public void shutdown() {
        pool.close();
    }

    @Override
    public void initialize() {
        // made ready in the constructor
    }
}
