package dev.runbook.model;

import java.util.List;

/**
 * A typed input of a runbook.
 *
 * @param defaultValue already converted to the param's type, or null when there is none
 * @param pattern      a regular expression the string form must match, or null
 * @param values       the allowed values of an enum, empty otherwise
 * @param secret       whether the value is masked like a secret
 */
public record Param(
        String name,
        ParamType type,
        Object defaultValue,
        String pattern,
        boolean required,
        List<String> values,
        String description,
        boolean secret,
        SourcePos pos) {

    public Param {
        values = List.copyOf(values);
    }

    /**
     * A required list needs at least one item: given empty ({@code -p hosts=}) it is refused. Returns
     * what follows "param 'NAME'" in the refusal, or null when the value is acceptable.
     */
    public String refusesEmpty(Object value) {
        return type == ParamType.LIST && required && value instanceof List<?> l && l.isEmpty()
                ? "is required and the list given is empty" : null;
    }

    public enum ParamType {
        STRING, INT, BOOL, DURATION, ENUM, LIST;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
