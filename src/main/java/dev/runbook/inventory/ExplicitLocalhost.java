package dev.runbook.inventory;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.Target;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A localhost the inventory lists itself. Ansible treats it "like any other host" (reached over
 * SSH unless {@code ansible_connection: local}); runbook keeps a listed localhost local, as the
 * implicit one, while it says nothing of where to connect. When the host itself sets where or as
 * whom to connect ({@code ansible_host}, {@code ansible_port}, {@code ansible_user} or their older
 * {@code ansible_ssh_} names, in its inventory entry or host_vars) and no {@code ansible_connection},
 * it is reached over SSH as Ansible would: running its steps here, as whoever runs runbook, would
 * ignore the user it names. Such a host's vars then show {@code ansible_connection: ssh}. Either
 * way, a localhost given such vars and no connection is warned about.
 */
final class ExplicitLocalhost {
    private static final List<String> CONNECTING = List.of(ConnectionVars.HOST, ConnectionVars.PORT, ConnectionVars.USER,
            ConnectionVars.SSH_HOST, ConnectionVars.SSH_PORT, ConnectionVars.SSH_USER);

    private ExplicitLocalhost() {}

    /** The target for a listed host with merged {@code vars}; a warning to {@code warnings} where the rule above applies. */
    static Target target(String name, Map<String, Object> vars, Draft.Host host, List<Diagnostic> warnings) {
        Target t = ConnectionVars.target(name, vars);
        if (!t.local() || vars.get(ConnectionVars.CONNECTION) != null) {
            return t;
        }
        Map<String, Object> own = new LinkedHashMap<>(host.vars);
        own.putAll(host.fileVars);
        List<String> set = CONNECTING.stream().filter(v -> own.get(v) != null).toList();
        if (!set.isEmpty()) {
            Map<String, Object> ssh = new LinkedHashMap<>(vars);
            ssh.put(ConnectionVars.CONNECTION, "ssh");
            Target remote = ConnectionVars.target(name, ssh);
            warnings.add(new Diagnostic(Diagnostic.Severity.WARNING, host.pos, "'" + name + "' sets " + names(set)
                    + " but no ansible_connection: as in Ansible, it is reached over SSH (" + where(remote) + "), not run on this machine",
                    "set ansible_connection: local to run its steps here"));
            return remote;
        }
        List<String> inherited = CONNECTING.stream().filter(v -> vars.get(v) != null).toList();
        if (!inherited.isEmpty()) {
            warnings.add(new Diagnostic(Diagnostic.Severity.WARNING, host.pos, "'" + name + "' gets " + names(inherited)
                    + " from its groups but no ansible_connection: runbook runs its steps on this machine, as the user running runbook"
                    + " (Ansible would connect over SSH)", "set ansible_connection: local, or ssh, to say which"));
        }
        return t;
    }

    /** a, b and c. */
    private static String names(List<String> vars) {
        int last = vars.size() - 1;
        return last == 0 ? vars.get(0) : String.join(", ", vars.subList(0, last)) + " and " + vars.get(last);
    }

    private static String where(Target t) {
        return (t.user() == null ? "" : t.user() + "@") + t.address() + (t.port() > 0 ? ":" + t.port() : "");
    }
}
