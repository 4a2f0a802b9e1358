package dev.runbook.inventory;

import dev.runbook.load.DidYouMean;
import dev.runbook.model.Target;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The vars that say how to reach a host. They are checked where they are written (so an error
 * points at the value, in whichever group or host sets it) and turned into a {@link Target} once
 * merged. Everything else about the connection (keys, become, host key checking) stays in the
 * target's vars for the executor to read.
 */
final class ConnectionVars {
    static final String HOST = "ansible_host";
    static final String PORT = "ansible_port";
    static final String USER = "ansible_user";
    /** Ansible's older names, still read by it when the current ones are unset. */
    static final String SSH_HOST = "ansible_ssh_host";
    static final String SSH_PORT = "ansible_ssh_port";
    static final String SSH_USER = "ansible_ssh_user";
    static final String KNOWN_HOSTS = "runbook_known_hosts";
    static final String HOST_KEY_CHECKING = "runbook_host_key_checking";
    static final List<String> HOST_KEY_MODES = List.of("strict", "accept-new");
    /** true: command lines go through one shell that stays on the host, instead of a channel each. */
    static final String PERSISTENT_SHELL = "runbook_persistent_shell";
    static final String BECOME = "ansible_become";
    static final String BECOME_USER = "ansible_become_user";
    static final String CONNECTION = "ansible_connection";
    /**
     * The connections runbook has, by Ansible's plugin names (short or fully qualified): paramiko
     * and smart are other ways Ansible speaks SSH, so they mean runbook's SSH; others (docker,
     * winrm, telnet...) are refused rather than quietly tried over SSH.
     */
    private static final Map<String, String> CONNECTIONS = Map.of(
            "local", "local", "ssh", "ssh", "smart", "ssh", "paramiko", "ssh", "paramiko_ssh", "ssh");
    private static final String BUILTIN = "ansible.builtin.";
    /** Ansible's boolean(): these, case-insensitive and stripped, as strings; YAML booleans; 1, 0, 1.0 and 0.0. */
    private static final Set<String> TRUE = Set.of("true", "yes", "on", "1", "y", "t");
    private static final Set<String> FALSE = Set.of("false", "no", "off", "0", "n", "f");

    private ConnectionVars() {}

    /**
     * Checks one var as written and returns the value to keep: a relative known_hosts path becomes
     * absolute, because the executor does not know where the inventory was.
     *
     * @throws IllegalArgumentException with the message for the user when the value is unusable
     */
    static Object check(String name, Object value, Path inventoryDir) {
        switch (name) {
            case PORT, SSH_PORT -> {
                port(name, value);
                return value;
            }
            case HOST, USER, SSH_HOST, SSH_USER -> {
                if (value != null) {
                    scalarText(name, value);
                }
                return value;
            }
            case KNOWN_HOSTS -> {
                return knownHosts(scalarText(name, value), inventoryDir);
            }
            case HOST_KEY_CHECKING -> {
                if (value instanceof Boolean b) {
                    // off, no, false (and on, yes, true) are YAML 1.1 booleans: name the modes, not the type
                    throw new IllegalArgumentException(HOST_KEY_CHECKING + " must be 'strict' or 'accept-new', not " + b
                            + (b ? " (strict is the default)" : " (host key checking cannot be turned off)"));
                }
                String mode = scalarText(name, value);
                if (!HOST_KEY_MODES.contains(mode)) {
                    String near = DidYouMean.suggest(mode, HOST_KEY_MODES);
                    throw new IllegalArgumentException(HOST_KEY_CHECKING + " must be 'strict' or 'accept-new', not '" + mode + "'"
                            + (near == null ? "" : " (did you mean '" + near + "'?)"));
                }
                return mode;
            }
            case PERSISTENT_SHELL, BECOME -> {
                return bool(name, value);
            }
            case BECOME_USER -> {
                String user = scalarText(name, value);
                if (!dev.runbook.model.Step.Become.USER_NAME.matcher(user).matches()) {
                    throw new IllegalArgumentException(name + " '" + user + "' is not a user name (letters, digits, '.', '_', '-'; or #UID)");
                }
                return user;
            }
            case CONNECTION -> {
                return value == null ? null : connection(scalarText(name, value));
            }
            default -> {
                return value;
            }
        }
    }

    /**
     * A boolean as Ansible's {@code boolean()} takes it, kept as a Boolean so that whoever reads it
     * later cannot take a word it does not know for true (or for false).
     */
    static Boolean bool(String name, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value instanceof String || value instanceof Long ? value.toString().strip().toLowerCase(Locale.ROOT)
                : value instanceof Double d && (d == 0.0 || d == 1.0) ? String.valueOf(d.intValue()) : null;
        if (text != null && TRUE.contains(text)) {
            return Boolean.TRUE;
        }
        if (text != null && FALSE.contains(text)) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException(name + " must be true or false (or yes/no, on/off, 1/0), not " + describe(value));
    }

    /** {@code local} or {@code ssh}, which is what the executors tell apart. */
    private static String connection(String written) {
        String plugin = written.startsWith(BUILTIN) ? written.substring(BUILTIN.length()) : written;
        String known = CONNECTIONS.get(plugin);
        if (known == null) {
            String near = DidYouMean.suggest(plugin, List.of("local", "ssh"));
            throw new IllegalArgumentException(CONNECTION + " '" + written + "' is not one runbook has: it connects with"
                    + " local or ssh (also written smart, paramiko)" + (near == null ? "" : " (did you mean '" + near + "'?)"));
        }
        return known;
    }

    /** A port as Ansible takes it: an integer, or a string of digits; 0 when unset. */
    static int port(String name, Object value) {
        if (value == null) {
            return 0;
        }
        String text = value instanceof Long || value instanceof String ? value.toString().strip() : "";
        if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 5
                || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException(name + " must be an integer from 1 to 65535, not " + describe(value));
        }
        return Integer.parseInt(text);
    }

    private static String scalarText(String name, Object value) {
        if (value instanceof String s && s.contains("{{")) {
            throw new IllegalArgumentException(name + " cannot be a template: inventory vars are taken as written");
        }
        if (!(value instanceof String || value instanceof Long) || value.toString().isBlank()) {
            throw new IllegalArgumentException(name + " must be a string, not " + describe(value));
        }
        return value.toString();
    }

    private static String knownHosts(String path, Path inventoryDir) {
        Path p;
        if (path.equals("~") || path.startsWith("~/")) {
            p = Path.of(System.getProperty("user.home")).resolve(path.equals("~") ? "" : path.substring(2));
        } else {
            p = inventoryDir.resolve(path);
        }
        return p.toAbsolutePath().normalize().toString();
    }

    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return value instanceof String ? "'" + value + "'" : value.toString();
    }

    /** The target for a host whose vars are merged: address, port and user come from them. */
    static Target target(String name, Map<String, Object> vars) {
        Object host = first(vars, HOST, SSH_HOST);
        Object user = first(vars, USER, SSH_USER);
        String portVar = vars.get(PORT) != null ? PORT : SSH_PORT;
        return new Target(name, host == null ? name : host.toString(), port(portVar, vars.get(portVar)),
                user == null ? null : user.toString(), vars);
    }

    private static Object first(Map<String, Object> vars, String name, String older) {
        Object v = vars.get(name);
        return v != null ? v : vars.get(older);
    }
}
