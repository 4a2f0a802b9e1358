package dev.runbook.expr;

/**
 * A secret's value as expressions see it. It prints as {@code ****}; only a renderer that
 * knows where the value is going (an environment variable, a bind parameter, a header) unwraps it.
 */
public final class Secret {
    public static final String MASK = "****";

    private final String name;
    private final String value;

    public Secret(String name, String value) {
        this.name = name;
        this.value = value;
    }

    public String name() {
        return name;
    }

    /** The real value: for executors only, never for anything that is printed or stored. */
    public String reveal() {
        return value;
    }

    /** The environment variable that carries this secret into a shell command. */
    public String envName() {
        return "RUNBOOK_SECRET_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
    }

    @Override
    public String toString() {
        return MASK;
    }
}
