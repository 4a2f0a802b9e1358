package dev.runbook.load;

import dev.runbook.model.SourcePos;
import java.nio.file.Path;

/** Finds the file a {@code runbook:} step names. */
interface CallResolver {
    /** The file, or null after reporting that it cannot be found. */
    Path resolve(String name, SourcePos pos);
}
