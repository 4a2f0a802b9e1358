package dev.runbook.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the JSONL audit file: the file store's side of {@link AuditReader}. */
public final class FileAuditReader implements AuditReader {
    private final Path file;

    public FileAuditReader(Path file) {
        this.file = file;
    }

    /** The newest runs, read back from the end of the file. */
    @Override
    public List<History.Run> runs(String runbook, int limit) {
        return read(() -> History.newest(file, runbook, limit)).runs(runbook, limit);
    }

    /** One run: the newest for {@code last}, else the run with this id or the one run whose id starts so. */
    @Override
    public List<AuditEvent> run(String runId) {
        return read(() -> "last".equals(runId) ? History.newest(file, null, 1) : History.matching(file, runId)).run(runId);
    }

    @Override
    public List<String> runIds(String prefix, int limit) {
        return read(() -> History.matching(file, prefix)).runIds(prefix, limit);
    }

    private interface Read {
        History get() throws IOException;
    }

    private History read(Read read) {
        try {
            return read.get();
        } catch (IOException e) {
            throw new AuditException(AuditFiles.whyUnreadable(file, e), e);
        }
    }

    @Override
    public ChainReport verify(String expectHead) {
        if (!Files.exists(file)) {
            throw new AuditException(file + ": no such audit file");
        }
        try {
            return ChainReport.of(ChainVerifier.verify(file, expectHead));
        } catch (IOException e) {
            throw new AuditException(AuditFiles.whyUnreadable(file, e), e);
        }
    }

    @Override
    public long export(String runId, Writer out) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        long n = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                var node = AuditCodec.parse(line);
                if (node == null || !node.hasNonNull("hash")) {
                    continue;  // a torn fragment is not an event
                }
                if (runId == null || runId.equals(node.path("run_id").asText())) {
                    out.write(line);
                    out.write('\n');
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public void close() {
        // nothing is held between calls
    }
}
