package dev.runbook.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import dev.runbook.testing.ServiceControl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A test's inventory: one host, {@value #HOST} (and others a test adds), reached locally ({@code ansible_connection: local}), in
 * the group {@code nucleus} that the runbooks target, with the host vars of runbooks/README.md.
 * Written as JSON, which is YAML too.
 */
final class StackInventory {
    static final String HOST = "stack01";
    /** The project directory: where {@code runbook run NAME} finds runbooks/NAME.yaml. */
    static final Path PROJECT = Path.of("").toAbsolutePath();

    private final Map<String, Object> vars = new LinkedHashMap<>();
    private final Map<String, Object> services = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> others = new LinkedHashMap<>();

    StackInventory var(String name, Object value) {
        vars.put(name, value);
        return this;
    }

    StackInventory service(String name, ServiceControl control) {
        services.put(name, control.asVars());
        return this;
    }

    /** The named connection {@code nucleus} for sql steps, its password from NUCLEUS_DB_PASSWORD. */
    StackInventory database(Postgres pg) {
        return var("runbook_databases", Map.of("nucleus", Map.of("url", pg.jdbcUrl("nucleus"), "user", Postgres.SUPERUSER,
                "password", "env:NUCLEUS_DB_PASSWORD")));
    }

    /** The same inventory with another host of the group after {@value #HOST}, reached locally, with these vars. */
    StackInventory withHost(String name, Map<String, Object> hostVars) {
        StackInventory copy = new StackInventory();
        copy.vars.putAll(vars);
        copy.services.putAll(services);
        copy.others.putAll(others);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("ansible_connection", "local");
        host.putAll(hostVars);
        copy.others.put(name, host);
        return copy;
    }

    Path write(Path file) {
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("ansible_connection", "local");
        host.putAll(vars);
        if (!services.isEmpty()) {
            host.put("services", services);
        }
        Map<String, Object> hosts = new LinkedHashMap<>();
        hosts.put(HOST, host);
        hosts.putAll(others);
        Map<String, Object> inventory = Map.of("all", Map.of("children", Map.of("nucleus", Map.of("hosts", hosts))));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(inventory));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CLI as a user runs it from the project directory, with its state in {@code home}. */
    static Cli cli(Path home) {
        return Cli.in(home).withWorkDir(PROJECT).withTimeout(Duration.ofSeconds(120));
    }
}
