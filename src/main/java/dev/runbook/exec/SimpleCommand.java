package dev.runbook.exec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Recognises command lines that mean the same with or without a shell (plain words naming an
 * executable: {@code systemctl is-active nginx}), so they can be executed directly and save a
 * shell start per step. Anything with quotes, variables, globs, redirections, operators or a
 * shell builtin goes through {@code /bin/sh -c} as written.
 */
final class SimpleCommand {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9/._=:,@%+-]+( +[A-Za-z0-9/._=:,@%+-]+)*");
    private static final Set<String> SHELL_WORDS = Set.of("exit", "cd", "export", "set", "unset", "source", ".", "eval",
            "exec", "read", "ulimit", "umask", "wait", "trap", "shift", "alias", "unalias", "if", "then", "else", "fi",
            "for", "while", "until", "do", "done", "case", "esac", "function", "return", "break", "continue", "local",
            "readonly", "type", "hash", "command", "getopts", "times", "jobs", "fg", "bg", "kill", "test", "[", "echo",
            "printf", "true", "false", "pwd", ":");
    private static final Map<String, String> RESOLVED = new ConcurrentHashMap<>();
    private static final String PATH = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");

    private SimpleCommand() {}

    /** The words to execute directly, or null when the line needs a shell. */
    static List<String> argv(String line) {
        String trimmed = line.strip();
        if (!PLAIN.matcher(trimmed).matches()) {
            return null;
        }
        List<String> words = List.of(trimmed.split(" +"));
        String first = words.get(0);
        if (first.contains("=") || SHELL_WORDS.contains(first)) {
            return null;
        }
        String program = resolve(first);
        if (program == null) {
            return null;
        }
        return words;
    }

    /** An executable on PATH (or the absolute path given), else null: the shell then reports "not found". */
    private static String resolve(String word) {
        if (word.contains("/")) {
            return word.startsWith("/") && Files.isExecutable(Path.of(word)) && !Files.isDirectory(Path.of(word)) ? word : null;
        }
        String cached = RESOLVED.get(word);
        if (cached != null) {
            return cached.isEmpty() ? null : cached;
        }
        String found = "";
        for (String dir : PATH.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, word);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                found = p.toString();
                break;
            }
        }
        RESOLVED.put(word, found);
        return found.isEmpty() ? null : found;
    }
}
