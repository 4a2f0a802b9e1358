package dev.runbook.exec.ssh;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import dev.runbook.exec.Cancellation;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Connector;
import dev.runbook.exec.HostKeyEvents;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Target;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Opens one SSH connection per host with JSch: keys from files and the ssh-agent, ssh_config
 * honoured, host keys checked strictly against known_hosts, ProxyJump through shared jump host
 * sessions. Every wait is bounded: the TCP connect and each handshake read by the connect
 * timeout, the whole handshake by twice that, an idle connection by keepalives.
 * Thread-safe: the engine opens hosts in parallel.
 */
public final class SshConnector implements Connector {
    private static final int MAX_JUMPS = 8;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ssh-connect-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final JSch jsch = new JSch();
    private final KnownHosts knownHosts = new KnownHosts();
    private final KeyRing keys;
    private final Endpoints endpoints;
    private final List<Diagnostic> configProblems;
    private final Map<Endpoint, SharedJump> jumps = new ConcurrentHashMap<>();

    /**
     * Reads ssh_config once. A config that cannot be read, or holds values ssh(1) would refuse, is
     * reported by {@link #check} and makes every {@link #open} fail with the reason.
     */
    public SshConnector(SshSettings settings) {
        SshConfig config;
        List<Diagnostic> problems;
        try {
            List<java.nio.file.Path> files = new ArrayList<>();
            files.add(settings.userConfig());
            files.add(settings.systemConfig());
            config = SshConfig.load(files, settings.home());
            problems = config.problems();
        } catch (IOException | RuntimeException e) {
            config = SshConfig.empty();
            problems = List.of(Diagnostic.error(new SourcePos("runbook", 0, 0),
                    "cannot read " + settings.userConfig() + ": " + e.getMessage()));
        }
        this.configProblems = problems;
        this.endpoints = new Endpoints(settings, config);
        this.keys = new KeyRing(settings);
    }

    /** @throws InvalidInputException with every problem of ssh_config, each at its file, line and column */
    @Override
    public void check(List<Target> targets) {
        if (!configProblems.isEmpty()) {
            throw new InvalidInputException(configProblems);
        }
    }

    @Override
    public CommandRunner open(Target target) throws UnreachableException {
        return open(target, Cancellation.none());
    }

    @Override
    public CommandRunner open(Target target, Cancellation cancel) throws UnreachableException {
        return open(target, cancel, HostKeyEvents.NONE);
    }

    @Override
    public CommandRunner open(Target target, Cancellation cancel, HostKeyEvents events) throws UnreachableException {
        if (!configProblems.isEmpty()) {
            Diagnostic first = configProblems.get(0);
            throw new UnreachableException(first.pos().line() > 0 ? first.toString() : first.message());
        }
        return new SshRunner(this, endpoints.resolve(target), target.vars(), cancel, events);
    }

    /** Connects to {@code ep}, through its jump hosts first; {@code events} hears of host keys recorded on the way. */
    Connection connect(Endpoint ep, Map<String, Object> vars, Cancellation cancel, HostKeyEvents events) throws UnreachableException {
        return connect(ep, vars, List.of(), cancel, events);
    }

    /** @param via the endpoints that wait on this one, the target first: a repeat among them is a ProxyJump loop */
    private Connection connect(Endpoint ep, Map<String, Object> vars, List<Endpoint> via, Cancellation cancel,
            HostKeyEvents events) throws UnreachableException {
        SharedJump.Lease lease = ep.proxyJump() == null ? null : jump(ep, vars, via, cancel, events);
        try {
            return handshake(ep, lease, cancel, !via.isEmpty(), events);
        } catch (UnreachableException | RuntimeException e) {
            if (lease != null) {
                lease.release();
            }
            throw e;
        }
    }

    private SharedJump.Lease jump(Endpoint ep, Map<String, Object> vars, List<Endpoint> via, Cancellation cancel,
            HostKeyEvents events) throws UnreachableException {
        List<Endpoint> chain = new ArrayList<>(via);
        chain.add(ep);
        // "a,b" reaches the target through b, and b through a
        List<String> hops = Arrays.stream(ep.proxyJump().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        Endpoint last = endpoints.resolveJump(hops.get(hops.size() - 1), vars);
        if (hops.size() > 1) {
            last = last.viaJump(String.join(",", hops.subList(0, hops.size() - 1)));
        }
        Endpoint jumpEp = last;
        if (chain.contains(jumpEp) || chain.size() > MAX_JUMPS) {
            throw new JumpLoopException(chain, jumpEp, chain.contains(jumpEp));
        }
        String name = hops.get(hops.size() - 1);
        SharedJump shared = jumps.computeIfAbsent(jumpEp, k -> new SharedJump(name));
        try {
            return shared.acquire(() -> connect(jumpEp, vars, chain, cancel, events));
        } catch (HostKeyRejectedException e) {
            // the key is the jump host's, not the target's: say so, or the user checks the wrong machine
            throw e.ofJumpHost(name);
        } catch (JumpLoopException e) {
            // a loop's message already names every hop
            throw e;
        } catch (UnreachableException e) {
            throw new UnreachableException("jump host " + name + ": " + e.getMessage(), e);
        }
    }

    /** ProxyJump settings that lead back to a host already on the way, or on and on. */
    static final class JumpLoopException extends UnreachableException {
        JumpLoopException(List<Endpoint> chain, Endpoint next, boolean repeats) {
            super((repeats ? "ProxyJump loop: " : "ProxyJump goes through more than " + MAX_JUMPS + " jump hosts: ")
                    + chain.stream().map(Endpoint::display).collect(Collectors.joining(" -> ")) + " -> " + next.display()
                    + "; check ProxyJump in ssh_config and ansible_ssh_common_args");
        }
    }

    /** @param jumpHost whether {@code ep} is a jump host on the way to the target */
    private Connection handshake(Endpoint ep, SharedJump.Lease lease, Cancellation cancel, boolean jumpHost,
            HostKeyEvents events) throws UnreachableException {
        if (cancel.isCancelled()) {
            throw interrupted(ep, cancel);
        }
        HostKeyVerifier verifier = new HostKeyVerifier(knownHosts, ep, jumpHost ? ep.display() : null, events);
        KeyRing.Keys offered = keys.forEndpoint(ep);
        JumpTunnel tunnel = lease != null ? new JumpTunnel(lease.session(), lease.name()) : null;
        CommandProxy proxy = lease == null && ep.proxyCommand() != null ? new CommandProxy(ep.proxyCommand()) : null;
        CancellableSocket socket = lease == null && proxy == null ? new CancellableSocket(ep.connectTimeoutMs()) : null;
        Session s = session(ep, verifier, offered, tunnel, proxy, socket);
        AtomicBoolean fired = new AtomicBoolean();
        HandshakeStopper stop = new HandshakeStopper(s, socket);
        // Ctrl-C ends a handshake at once, in whichever phase it is, rather than after the connect timeout
        Cancellation.Registration onCancel = cancel.onCancel(stop);
        // the socket timeout bounds each read of a direct connection; this bounds the whole
        // handshake, and is the only bound of one tunnelled through a jump host
        ScheduledFuture<?> dog = WATCHDOG.schedule(() -> {
            fired.set(true);
            stop.run();
        }, 2L * ep.connectTimeoutMs(), TimeUnit.MILLISECONDS);
        try {
            s.connect(ep.connectTimeoutMs());
        } catch (JSchException | RuntimeException e) {
            if (cancel.isCancelled()) {
                throw interrupted(ep, cancel);
            }
            throw withProxy(ConnectFailure.describe(e, ep, verifier, offered, serverSpoke(s), fired.get()), proxy);
        } finally {
            stop.connectEnded();
            dog.cancel(false);
            onCancel.close();
            // the key is in known_hosts whether or not the login that followed worked
            verifier.tellAccepted();
        }
        if (cancel.isCancelled()) {
            s.disconnect();
            throw interrupted(ep, cancel);
        }
        if (fired.get() || !s.isConnected()) {
            s.disconnect();
            throw withProxy(ConnectFailure.describe(new JSchException("handshake cut short"), ep, verifier, offered,
                    serverSpoke(s), true), proxy);
        }
        if (proxy != null) {
            proxy.keepaliveEvery(ep.aliveIntervalMs());
        }
        if (tunnel != null) {
            tunnel.keepaliveEvery(ep.aliveIntervalMs());
        }
        return new Connection(s, lease);
    }

    /** A failed connection through a ProxyCommand says what the command said; a refused host key stays as it is. */
    private static UnreachableException withProxy(UnreachableException failure, CommandProxy proxy) {
        if (proxy == null || failure instanceof HostKeyRejectedException) {
            return failure;
        }
        // a command that gave up (a bastion it could not reach) explains the failure better than the handshake can
        return new UnreachableException(proxy.gaveUp() ? proxy.describe() : failure.getMessage() + "; " + proxy.describe(), failure);
    }

    private Session session(Endpoint ep, HostKeyVerifier verifier, KeyRing.Keys offered, JumpTunnel tunnel,
                            CommandProxy proxy, CancellableSocket socket) throws UnreachableException {
        try {
            Session s = jsch.getSession(ep.user(), ep.host(), ep.port());
            s.setConfig(sessionConfig(verifier.trustsCertificates()));
            s.setHostKeyRepository(verifier);
            s.setLogger(verifier.certificateListener());
            s.setIdentityRepository(offered.repository());
            if (ep.hostKeyAlias() != null) {
                s.setHostKeyAlias(ep.hostKeyAlias());
            }
            s.setServerAliveInterval(ep.aliveIntervalMs());
            s.setServerAliveCountMax(ep.aliveCountMax());
            s.setDaemonThread(true);
            if (tunnel != null) {
                s.setProxy(tunnel);
            } else if (proxy != null) {
                s.setProxy(proxy);
            } else {
                s.setSocketFactory(socket);
            }
            return s;
        } catch (JSchException e) {
            throw new UnreachableException("cannot set up a connection to " + ep.display() + ": " + e.getMessage(), e);
        }
    }

    private static UnreachableException interrupted(Endpoint ep, Cancellation cancel) {
        return new UnreachableException("connecting to " + ep.display() + " was interrupted (" + cancel.reason() + ")");
    }

    private static boolean serverSpoke(Session s) {
        try {
            return s.getServerVersion() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Strict host key checking (our repository decides), public keys only (no password prompts).
     * Host certificates are asked for first when known_hosts lists an authority for the host (one
     * not accepted falls back to its plain key, as in OpenSSH); otherwise only plain host keys, so
     * that a host without an authority is checked exactly as before.
     */
    private static Hashtable<String, String> sessionConfig(boolean certificates) {
        Hashtable<String, String> c = new Hashtable<>();
        c.put("StrictHostKeyChecking", "yes");
        c.put("HashKnownHosts", "no");
        c.put("PreferredAuthentications", "publickey");
        c.put("host_certificate_to_key_fallback", "yes");
        if (!certificates) {
            c.put("server_host_key", Arrays.stream(JSch.getConfig("server_host_key").split(","))
                    .filter(a -> !a.contains("-cert-")).collect(Collectors.joining(",")));
        }
        return c;
    }
}
