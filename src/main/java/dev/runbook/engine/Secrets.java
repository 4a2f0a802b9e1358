package dev.runbook.engine;

import dev.runbook.expr.Secret;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import dev.runbook.model.SecretRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a runbook's secrets from the environment or files, and registers each with the masker. */
public final class Secrets {
    private Secrets() {}

    /**
     * @param dryRun a missing secret is not an error in a plan: it shows as {@code ****} anyway
     * @throws InvalidInputException naming every secret that cannot be read (never its value)
     */
    public static Map<String, Secret> resolve(Runbook rb, Map<String, String> env, Masker masker, boolean dryRun) {
        Map<String, Secret> out = new LinkedHashMap<>();
        List<Diagnostic> problems = new ArrayList<>();
        for (SecretRef ref : rb.secrets().values()) {
            String value = null;
            String problem = null;
            if (ref.source() == SecretRef.Source.ENV) {
                value = env.get(ref.location());
                if (value == null) {
                    problem = "secret '" + ref.name() + "': environment variable " + ref.location() + " is not set";
                }
            } else {
                try {
                    value = Files.readString(Path.of(ref.location())).stripTrailing();
                } catch (IOException e) {
                    problem = "secret '" + ref.name() + "': cannot read " + ref.location() + ": "
                            + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                            : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage());
                }
            }
            if (problem != null) {
                if (!dryRun) {
                    problems.add(Diagnostic.error(ref.pos(), problem));
                }
                value = "";
            }
            masker.add(value);
            out.put(ref.name(), new Secret(ref.name(), value));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return out;
    }
}
