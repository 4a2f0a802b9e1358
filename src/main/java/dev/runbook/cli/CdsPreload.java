package dev.runbook.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads, by name, the classes an SSH run needs that the launcher's training run (local only, no
 * server to talk to) would not: the class-data-sharing archive it dumps then holds them too.
 * Only the training run does this ({@code -Drunbook.cds.training=true}); a class that no longer
 * exists is skipped there, and {@code CdsPreloadTest} fails on it.
 */
final class CdsPreload {
    static final String LIST = "cds-preload.txt";
    static final String PROPERTY = "runbook.cds.training";

    private CdsPreload() {
    }

    /** The class names of the list, comments and blank lines left out. */
    static List<String> names() {
        List<String> out = new ArrayList<>();
        try (InputStream in = CdsPreload.class.getResourceAsStream(LIST)) {
            if (in == null) {
                return out;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Loads and links each class without initialising it; returns the names that did not load. */
    static List<String> load() {
        List<String> missing = new ArrayList<>();
        ClassLoader loader = CdsPreload.class.getClassLoader();
        for (String name : names()) {
            try {
                Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                missing.add(name);
            }
        }
        return missing;
    }
}
