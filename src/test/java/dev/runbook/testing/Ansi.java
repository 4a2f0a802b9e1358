package dev.runbook.testing;

import java.util.regex.Pattern;

/** Terminal escape sequences and carriage returns removed, so tests read what a person reads. */
public final class Ansi {
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]|\u001b[()][A-Za-z0-9]|\r");

    private Ansi() {}

    public static String strip(String s) {
        return ESCAPES.matcher(s).replaceAll("");
    }
}
