package dev.runbook.exec.ssh;

import com.jcraft.jsch.Session;

/**
 * Ends one SSH handshake from another thread (Ctrl-C, the handshake watchdog), in whichever phase
 * it is. {@code Session.disconnect()} alone does nothing until JSch counts the session as connected:
 * a direct connection is ended by closing its socket, which we own; one tunnelled through a jump host
 * waits for the bastion to open the channel inside JSch, and only an interrupt of the connecting
 * thread ends that wait. The interrupt is delivered only while that thread is still in
 * {@link Session#connect}, and taken back afterwards, so it cannot leak into later work.
 */
final class HandshakeStopper implements Runnable {
    private final Session session;
    private final CancellableSocket socket;
    private final Thread connecting = Thread.currentThread();
    private boolean inConnect = true;
    private boolean interrupted;

    /** Made by the thread that is about to call {@code session.connect}; {@code socket} is null for a tunnelled one. */
    HandshakeStopper(Session session, CancellableSocket socket) {
        this.session = session;
        this.socket = socket;
    }

    @Override
    public void run() {
        if (socket != null) {
            socket.close();
        } else {
            synchronized (this) {
                if (inConnect) {
                    interrupted = true;
                    connecting.interrupt();
                }
            }
        }
        session.disconnect();
    }

    /** Called by the connecting thread once {@code connect} has returned or thrown. */
    void connectEnded() {
        synchronized (this) {
            inConnect = false;
            if (interrupted) {
                Thread.interrupted();
            }
        }
    }
}
