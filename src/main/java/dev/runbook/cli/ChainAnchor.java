package dev.runbook.cli;

import dev.runbook.model.InvalidInputException;

/**
 * The head {@code audit verify} prints, and {@code --expect-head}: a hash noted outside the state
 * directory is an anchor the chain has no key for. Whoever recomputes the chain after changing or
 * removing an event before the noted one changes that event's hash too, and the chain no longer
 * holds it.
 */
final class ChainAnchor {
    /** Hex digits shown and required: 64 bits, beyond reach of a search for a chain that happens to hold them. */
    static final int DIGITS = 16;

    private ChainAnchor() {}

    /** The lower-case hash prefix to look for; null when none was given. */
    static String parse(String given) {
        if (given == null) {
            return null;
        }
        String hex = given.strip().toLowerCase(java.util.Locale.ROOT);
        if (!hex.matches("[0-9a-f]{" + DIGITS + ",64}")) {
            throw InvalidInputException.usage("--expect-head takes the first " + DIGITS + " to 64 hex digits of an event's hash, as"
                    + " audit verify printed it, not '" + given + "'");
        }
        return hex;
    }

    /**
     * After an intact chain: prints its head, and whether the expected one is in it.
     *
     * @param head       where the newest event is; null when the chain is empty
     * @param expectedAt where the expected hash is; null when not found (or none expected)
     * @param from       where verification started when not at genesis (a retention checkpoint)
     * @return the exit code: 1 when an expected head is not in the chain
     */
    static int report(Terminal term, String where, String head, String headHash, String expect, String expectedAt, String from) {
        if (head != null) {
            term.out.println(term.dim("head: " + head + ", hash " + headHash.substring(0, DIGITS)));
        }
        if (expect == null) {
            return ExitCodes.OK;
        }
        if (expectedAt != null) {
            term.out.println(term.green("✓ the expected head " + expect + " is still in the chain, at " + expectedAt));
            return ExitCodes.OK;
        }
        term.out.println(term.red("✗ " + where + ": the expected head " + expect + " is not in the chain: an event up to it was"
                + " changed or removed and the hashes recomputed, or it was noted from another trail"
                + (from == null ? "" : " or before the retention cut (verified from the " + from + ")")));
        return ExitCodes.STEP_FAILED;
    }
}
