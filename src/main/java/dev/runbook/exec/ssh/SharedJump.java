package dev.runbook.exec.ssh;

import com.jcraft.jsch.Session;
import dev.runbook.exec.UnreachableException;

/**
 * A jump host's connection shared by every target behind it: opened by the first target that
 * needs it, closed when the last one lets go. Opening it again after it dropped is the next
 * target's job.
 */
final class SharedJump {
    /** Opens the jump host's own connection. */
    interface Opener {
        Connection open() throws UnreachableException;
    }

    /** One target's hold on the jump connection. */
    final class Lease {
        private final Connection via;
        private boolean released;

        private Lease(Connection via) {
            this.via = via;
        }

        Session session() {
            return via.session();
        }

        String name() {
            return name;
        }

        void release() {
            synchronized (SharedJump.this) {
                if (released) {
                    return;
                }
                released = true;
                if (connection == via && --users == 0) {
                    connection.close();
                    connection = null;
                }
            }
        }
    }

    private final String name;
    private Connection connection;
    private int users;

    SharedJump(String name) {
        this.name = name;
    }

    synchronized Lease acquire(Opener opener) throws UnreachableException {
        if (connection == null || !connection.alive()) {
            Connection fresh = opener.open();
            // leases on the dropped connection no longer count: their targets reconnect through this one
            if (connection != null) {
                connection.close();
            }
            connection = fresh;
            users = 0;
        }
        users++;
        return new Lease(connection);
    }
}
