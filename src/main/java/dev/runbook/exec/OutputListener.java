package dev.runbook.exec;

/** Receives a command's output live, line by line, from the threads that read it. */
@FunctionalInterface
public interface OutputListener {
    enum Stream { STDOUT, STDERR }

    void line(Stream stream, String line);

    OutputListener NONE = (s, l) -> { };
}
