package dev.runbook.exec.ssh;

import dev.runbook.exec.UnreachableException;
import dev.runbook.model.LocalUser;
import dev.runbook.model.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves a target into an {@link Endpoint}, the way {@code ssh} would for an Ansible inventory
 * host: the inventory's own settings first (address, port, user, key file, then the {@code -o}
 * options of {@code ansible_ssh_common_args}), then ssh_config for that address, then defaults.
 */
final class Endpoints {
    static final String KNOWN_HOSTS_VAR = "runbook_known_hosts";
    static final String CHECKING_VAR = "runbook_host_key_checking";
    static final String CONNECT_TIMEOUT_VAR = "runbook_connect_timeout";
    private static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private final SshSettings settings;
    private final SshConfig config;

    Endpoints(SshSettings settings, SshConfig config) {
        this.settings = settings;
        this.config = config;
    }

    Endpoint resolve(Target target) throws UnreachableException {
        Map<String, Object> vars = target.vars();
        Map<String, List<String>> first = AnsibleSshArgs.empty();
        if (target.port() > 0) {
            first.put("port", List.of(String.valueOf(target.port())));
        }
        if (target.user() != null && !target.user().isBlank()) {
            first.put("user", List.of(target.user()));
        }
        Object key = vars.getOrDefault("ansible_ssh_private_key_file", vars.get("ansible_private_key_file"));
        if (key != null && !String.valueOf(key).isBlank()) {
            first.put("identityfile", new ArrayList<>(List.of(String.valueOf(key))));
        }
        for (String argsVar : List.of("ansible_ssh_common_args", "ansible_ssh_extra_args")) {
            Object args = vars.get(argsVar);
            if (args != null) {
                AnsibleSshArgs.parse(String.valueOf(args), first);
            }
        }
        return build(target.address(), first, vars, target.name());
    }

    /** One hop of a ProxyJump value ({@code [user@]host[:port]}), trusted through the target's known_hosts. */
    Endpoint resolveJump(String hop, Map<String, Object> targetVars) throws UnreachableException {
        String spec = hop.strip();
        if (spec.startsWith("ssh://")) {
            spec = spec.substring("ssh://".length());
        }
        Map<String, List<String>> first = AnsibleSshArgs.empty();
        int at = spec.lastIndexOf('@');
        if (at > 0) {
            first.put("user", List.of(spec.substring(0, at)));
            spec = spec.substring(at + 1);
        }
        String host = spec;
        int colon = spec.lastIndexOf(':');
        if (spec.startsWith("[") && spec.contains("]")) {
            host = spec.substring(1, spec.indexOf(']'));
            colon = spec.indexOf("]:") >= 0 ? spec.indexOf("]:") + 1 : -1;
        } else if (colon >= 0 && spec.indexOf(':') != colon) {
            colon = -1; // a bare IPv6 address
        } else if (colon >= 0) {
            host = spec.substring(0, colon);
        }
        if (colon >= 0) {
            first.put("port", List.of(spec.substring(colon + 1)));
        }
        return build(host, first, targetVars, "jump host " + hop);
    }

    private Endpoint build(String alias, Map<String, List<String>> first, Map<String, Object> vars, String what)
            throws UnreachableException {
        Map<String, List<String>> c = config.lookup(alias, first);
        String host = expand(one(c, "hostname", alias), alias, alias, 0, null);
        int port = port(one(c, "port", "22"), what);
        String user = one(c, "user", LocalUser.current().name());
        String jump = one(c, "proxyjump", null);
        // as in OpenSSH, one of the two; a ProxyJump given anywhere wins here
        String proxyCommand = jump != null ? null : one(c, "proxycommand", null);
        proxyCommand = proxyCommand == null || proxyCommand.equals("none") ? null
                : CommandProxy.expand(proxyCommand, alias, host, port, user, what);
        List<Path> keys = paths(c.getOrDefault("identityfile", List.of()), alias, host, port, user);
        boolean explicit = !keys.isEmpty();
        if (!explicit) {
            DEFAULT_KEYS.forEach(k -> keys.add(settings.home().resolve(".ssh").resolve(k)));
        }
        String agent = agent(one(c, "identityagent", null), alias, host, port, user);
        Duration connect = timeout(vars, c);
        String aliveText = one(c, "serveraliveinterval", null);
        long aliveSeconds = aliveText == null ? -1 : SshConfig.seconds(aliveText);
        int alive = (int) (aliveSeconds > 0 ? Math.min(aliveSeconds, Integer.MAX_VALUE / 1000) : settings.aliveInterval().toSeconds()) * 1000;
        int count = positive(one(c, "serveralivecountmax", null), settings.aliveCountMax());
        List<Path> userFiles = paths(c.getOrDefault("userknownhostsfile",
                List.of("~/.ssh/known_hosts", "~/.ssh/known_hosts2")), alias, host, port, user);
        List<Path> trusted = new ArrayList<>(userFiles);
        if (settings.globalKnownHosts() != null) {
            trusted.add(settings.globalKnownHosts());
        }
        Path forNew = userFiles.isEmpty() ? settings.home().resolve(".ssh/known_hosts") : userFiles.get(0);
        Object extra = vars.get(KNOWN_HOSTS_VAR);
        if (extra != null && !String.valueOf(extra).isBlank()) {
            forNew = path(String.valueOf(extra)).toAbsolutePath();
            trusted.add(0, forNew);
        }
        boolean acceptNew = acceptNew(vars.get(CHECKING_VAR), one(c, "stricthostkeychecking", "yes"), what);
        List<Path> certificates = paths(c.getOrDefault("certificatefile", List.of()), alias, host, port, user);
        return new Endpoint(host, port, user, one(c, "hostkeyalias", null), keys, certificates, explicit,
                one(c, "identitiesonly", "no").equalsIgnoreCase("yes"), agent, (int) connect.toMillis(), alive, count,
                jump == null || jump.equalsIgnoreCase("none") ? null : jump, proxyCommand, trusted, forNew, acceptNew);
    }

    /** File names from ssh_config, tokens and {@code ~} expanded; {@code none} means none. */
    private List<Path> paths(List<String> names, String alias, String host, int port, String user) {
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            if (!n.equalsIgnoreCase("none")) {
                out.add(path(expand(n, alias, host, port, user)));
            }
        }
        return out;
    }

    /** Only {@code strict} and {@code accept-new} exist: there is no way to switch host key checking off. */
    private static boolean acceptNew(Object var, String fromConfig, String what) throws UnreachableException {
        if (var == null) {
            return fromConfig.equalsIgnoreCase("accept-new");
        }
        String v = String.valueOf(var).strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "strict", "yes", "true" -> false;
            case "accept-new" -> true;
            default -> throw new UnreachableException(what + ": " + CHECKING_VAR + " is '" + var
                    + "'; it must be strict or accept-new (host keys are always checked)");
        };
    }

    private Duration timeout(Map<String, Object> vars, Map<String, List<String>> c) throws UnreachableException {
        Object v = vars.getOrDefault(CONNECT_TIMEOUT_VAR, vars.get("ansible_ssh_timeout"));
        if (v == null) {
            // ssh_config's time format (1m30s), checked when the file was read
            long configured = SshConfig.seconds(one(c, "connecttimeout", "none"));
            return configured > 0 ? Duration.ofSeconds(configured) : settings.connectTimeout();
        }
        String text = String.valueOf(v).strip();
        if (text.isEmpty()) {
            return settings.connectTimeout();
        }
        try {
            Duration d = text.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(text))
                    : text.matches("\\d+ms") ? Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)))
                    : text.matches("\\d+s") ? Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)))
                    : text.matches("\\d+m") ? Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)))
                    : null;
            if (d != null && !d.isZero()) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UnreachableException(CONNECT_TIMEOUT_VAR + " '" + text + "' is not a duration such as 10s or 500ms");
    }

    private String agent(String configured, String alias, String host, int port, String user) {
        if (configured == null || configured.equals("SSH_AUTH_SOCK")) {
            return settings.agentSocket();
        }
        if (configured.equalsIgnoreCase("none")) {
            return null;
        }
        return path(expand(configured, alias, host, port, user)).toString();
    }

    private static int port(String text, String what) throws UnreachableException {
        try {
            int p = Integer.parseInt(text.strip());
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UnreachableException(what + ": port '" + text + "' is not a port number");
    }

    private static int positive(String text, int fallback) {
        try {
            int n = text == null ? 0 : Integer.parseInt(text.strip());
            return n > 0 ? n : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String one(Map<String, List<String>> c, String key, String fallback) {
        List<String> v = c.get(key);
        return v == null || v.isEmpty() ? fallback : v.get(0);
    }

    private Path path(String p) {
        if (p.equals("~")) {
            return settings.home();
        }
        return p.startsWith("~/") ? settings.home().resolve(p.substring(2)) : Path.of(p);
    }

    /** The ssh_config tokens that make sense here: %% %d %h %n %p %r %u. */
    String expand(String s, String alias, String host, int port, String user) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char t = s.charAt(++i);
            switch (t) {
                case '%' -> b.append('%');
                case 'd' -> b.append(settings.home());
                case 'h' -> b.append(host);
                case 'n' -> b.append(alias);
                case 'p' -> b.append(port);
                case 'r' -> b.append(user);
                case 'u' -> b.append(LocalUser.current().name());
                default -> b.append('%').append(t);
            }
        }
        return b.toString();
    }
}
