package dev.runbook.exec.ssh;

import com.jcraft.jsch.Session;

/** An authenticated session, and the shared jump host session it runs through, if any. */
final class Connection {
    private final Session session;
    private final SharedJump.Lease jump;

    Connection(Session session, SharedJump.Lease jump) {
        this.session = session;
        this.jump = jump;
    }

    Session session() {
        return session;
    }

    boolean alive() {
        return session.isConnected();
    }

    void close() {
        session.disconnect();
        if (jump != null) {
            jump.release();
        }
    }
}
