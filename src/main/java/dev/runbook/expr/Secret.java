package dev.runbook.expr;

/**
 * A secret's value as expressions see it. It prints as {@code ****}; only a renderer that
 * knows where the value is going (an environment variable, a bind parameter, a header) unwraps it.
 */
public final class Secret {
    public static final String MASK = "****";

    private final String name;
    private final String value;
    private final String envName;

    public Secret(String name, String value) {
        this(name, value, "RUNBOOK_SECRET_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"));
    }

    private Secret(String name, String value, String envName) {
        this.name = name;
        this.value = value;
        this.envName = envName;
    }

    /** A param declared {@code secret: true}: it travels like a secret, in {@code RUNBOOK_PARAM_<NAME>}. */
    public static Secret param(String name, String value) {
        return new Secret(name, value, "RUNBOOK_PARAM_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"));
    }

    /**
     * An inventory var whose name looks secret ({@code ansible_become_password}, {@code api_token}):
     * it travels like a secret, in {@code RUNBOOK_HOSTVAR_<NAME>}.
     */
    public static Secret hostVar(String name, String value) {
        return new Secret(name, value, "RUNBOOK_HOSTVAR_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"));
    }

    /** The same secret with {@code ****} for its value, for rendering what people see. */
    Secret masked() {
        return new Secret(name, MASK, envName);
    }

    /**
     * Text made from a secret and other text (a loop item, a called runbook's param): it is a
     * secret too, so that it is shown as {@code ****} and travels as a secret does.
     */
    public static Secret derived(String value) {
        return new Secret("derived", value);
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
        return envName;
    }

    @Override
    public String toString() {
        return MASK;
    }
}
