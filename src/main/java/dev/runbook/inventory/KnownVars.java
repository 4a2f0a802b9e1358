package dev.runbook.inventory;

import dev.runbook.load.DidYouMean;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code ansible_*} and {@code runbook_*} vars runbook reads, and the {@code ansible_*} ones
 * Ansible reads that runbook leaves alone, so that a misspelt name can be told from both. A typo
 * such as {@code ansible_hots} is an ordinary var to Ansible and to us alike, and the host is then
 * reached at its inventory name, on port 22, as the local user: on a real network, possibly
 * another machine.
 */
final class KnownVars {
    /** Read by the inventory, the SSH executor, become and the sql steps. */
    static final Set<String> READ = Set.of(
            "ansible_host", "ansible_port", "ansible_user", "ansible_ssh_host", "ansible_ssh_port", "ansible_ssh_user",
            "ansible_ssh_private_key_file", "ansible_private_key_file", "ansible_ssh_common_args", "ansible_ssh_extra_args",
            "ansible_ssh_timeout", "ansible_connection", "ansible_group_priority",
            "ansible_become", "ansible_become_user", "ansible_become_password", "ansible_become_pass",
            "runbook_known_hosts", "runbook_host_key_checking", "runbook_persistent_shell", "runbook_databases",
            "runbook_connect_timeout");

    /**
     * Ansible's own connection, become, shell and interpreter vars (its "behavioral inventory
     * parameters" and the ssh, become and shell plugins' vars) that runbook does not use: written
     * by Ansible users on purpose, so never taken for a typo of one runbook reads.
     */
    static final Set<String> IGNORED = Set.of(
            "ansible_password", "ansible_ssh_pass", "ansible_ssh_password", "ansible_private_key_passphrase",
            "ansible_ssh_private_key_passphrase", "ansible_python_interpreter", "ansible_shell_type",
            "ansible_shell_executable", "ansible_ssh_executable", "ansible_ssh_args", "ansible_sftp_extra_args",
            "ansible_scp_extra_args", "ansible_scp_if_ssh", "ansible_ssh_transfer_method", "ansible_ssh_pipelining",
            "ansible_pipelining", "ansible_ssh_retries", "ansible_timeout", "ansible_host_key_checking",
            "ansible_ssh_host_key_checking", "ansible_ssh_use_tty", "ansible_control_path", "ansible_control_path_dir",
            "ansible_ssh_control_path", "ansible_ssh_control_path_dir", "ansible_remote_tmp", "ansible_become_method",
            "ansible_become_exe", "ansible_become_flags", "ansible_sudo", "ansible_sudo_user", "ansible_sudo_pass",
            "ansible_sudo_password", "ansible_sudo_exe", "ansible_sudo_flags", "ansible_su", "ansible_su_user",
            "ansible_su_pass", "ansible_su_exe", "ansible_su_flags", "ansible_network_os", "ansible_network_cli_ssh_type",
            "ansible_winrm_transport", "ansible_winrm_scheme", "ansible_winrm_server_cert_validation",
            "ansible_docker_extra_args", "ansible_paramiko_pty", "ansible_paramiko_host_key_checking",
            "ansible_async_dir", "ansible_module_compression", "ansible_keep_remote_files", "ansible_facts");

    /** In a fixed order, so that of two equally close names the same one is always suggested. */
    private static final java.util.List<String> CANDIDATES = READ.stream().sorted().toList();

    private KnownVars() {}

    /**
     * The var runbook reads that {@code name} is a likely misspelling of, or null: null too for a
     * name runbook reads, one in {@link #IGNORED}, and one without the ansible_ or runbook_ prefix.
     */
    static String misspeltFor(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (!(lower.startsWith("ansible_") || lower.startsWith("runbook_")) || READ.contains(name) || IGNORED.contains(name)) {
            return null;
        }
        return DidYouMean.suggest(name, CANDIDATES);
    }
}
