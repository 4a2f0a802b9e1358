package dev.runbook.config;

import java.nio.file.Path;

/**
 * The tool's configuration, after the file, the environment and the command line were applied.
 *
 * @param file   the configuration file read, null when none was found (every setting is a default
 *               or came from the environment)
 * @param audit  the audit store
 * @param daemon the {@code daemon:} section for the scheduler to read; null when absent
 */
public record Config(Path file, AuditConfig audit, ConfigSection daemon) {

    public static Config defaults() {
        return new Config(null, AuditConfig.defaults(), null);
    }

    /** Which file the settings came from, for messages. */
    public String describeSource() {
        return file == null ? "no configuration file" : file.toString();
    }
}
