package dev.runbook.bench;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;

/**
 * Where a first SSH connection's time goes: a bare JSch client (no engine) connects to one sshd
 * several times in a fresh JVM and prints each connect (key exchange, host key check, public key
 * login) and two execs of {@code true} on it. The first connect is cold (classes loaded, crypto code
 * interpreted), the later ones warm. An optional key exchange algorithm shows whether the choice
 * matters. Not a test: run by hand beside {@code ../shared/bench/setup.sh}.
 *
 * <pre>
 * java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp CLASSPATH dev.runbook.bench.SshConnectBench \
 *   STATE_DIR PORT [CONNECTS] [KEX]
 * </pre>
 * STATE_DIR is the harness's state directory (its {@code known_hosts} and {@code client/id_ed25519}).
 */
public final class SshConnectBench {
    private SshConnectBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SshConnectBench STATE_DIR PORT [CONNECTS] [KEX]");
            System.exit(2);
        }
        String state = args[0];
        int port = Integer.parseInt(args[1]);
        int connects = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String kex = args.length > 3 ? args[3] : null;
        JSch jsch = new JSch();
        jsch.setKnownHosts(state + "/known_hosts");
        jsch.addIdentity(state + "/client/id_ed25519");
        for (int i = 0; i < connects; i++) {
            Session s = jsch.getSession("root", "127.0.0.1", port);
            s.setConfig("StrictHostKeyChecking", "yes");
            if (kex != null) {
                s.setConfig("kex", kex);
            }
            long t0 = System.nanoTime();
            s.connect(10_000);
            long t1 = System.nanoTime();
            double first = exec(s);
            double second = exec(s);
            System.out.printf("connect %d (%s): %.1f ms; exec of true: first %.1f ms, second %.1f ms%n", i + 1,
                    s.getConfig("kex").split(",")[0], (t1 - t0) / 1e6, first, second);
            s.disconnect();
        }
    }

    /** One exec of {@code true} on a new channel of {@code s}, in ms until the channel closed. */
    private static double exec(Session s) throws Exception {
        long t0 = System.nanoTime();
        ChannelExec c = (ChannelExec) s.openChannel("exec");
        c.setCommand("true");
        // without a timeout, as the engine opens its channels (with one JSch polls in 10 ms sleeps)
        c.connect();
        while (!c.isClosed()) {
            Thread.sleep(1);
        }
        return (System.nanoTime() - t0) / 1e6;
    }
}
