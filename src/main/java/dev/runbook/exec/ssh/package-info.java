/**
 * The SSH executor: {@link dev.runbook.exec.ssh.SshConnector} opens one JSch session per host
 * for the whole run, and each step runs on a channel of its own.
 *
 * <ul>
 *   <li>Where to connect: the inventory (address, port, user, {@code ansible_ssh_private_key_file},
 *       the {@code -o}/{@code -J} options of {@code ansible_ssh_common_args}), then ssh_config
 *       ({@code SshConfig}), then defaults ({@code Endpoints}).</li>
 *   <li>Whom to trust: known_hosts files, strictly ({@code KnownHosts}, {@code HostKeyVerifier});
 *       {@code runbook_host_key_checking: accept-new} records unknown keys, never changed ones.</li>
 *   <li>Who we are: ssh-agent keys, then key files decrypted with passphrases the wiring passes
 *       ({@code KeyRing}).</li>
 *   <li>How a step runs remotely: {@code RemoteCommand} (secrets, scripts and the sudo password
 *       over stdin; a watcher that ends the process group on timeout, Ctrl-C or a lost
 *       connection) and {@code RemoteExecution} (streams, timeout, exit status). With
 *       {@code runbook_persistent_shell: true}, a host's command lines after its first go through
 *       {@code RemoteShell}, one shell for the run that starts each in a process group of its own,
 *       with the same watcher, its output framed by {@code FramedInput}.</li>
 *   <li>ProxyJump: {@code JumpTunnel} runs the target's connection in a direct-tcpip channel of
 *       the jump host's session, shared by every target behind it ({@code SharedJump}).
 *       ProxyCommand: {@code CommandProxy} runs it over a command's stdin and stdout. Neither
 *       has a socket of ours, so {@code TimedInput} gives their reads the time limit that drives
 *       JSch's keepalives.</li>
 * </ul>
 */
package dev.runbook.exec.ssh;
