package dev.runbook.model;

/** Where a secret comes from: {@code env:NAME} or {@code file:/path}. The value is never kept here. */
public record SecretRef(String name, Source source, String location, SourcePos pos) {

    public enum Source { ENV, FILE }

    @Override
    public String toString() {
        return source.name().toLowerCase(java.util.Locale.ROOT) + ":" + location;
    }
}
