package dev.runbook.audit.pg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import dev.runbook.audit.ChainVerifier;
import dev.runbook.audit.EventText;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a JSONL audit file into PostgreSQL. The file's chain is verified first (nothing of a
 * tampered file is imported); its events are then chained onto PostgreSQL's chain in file order,
 * skipping those already stored, so importing twice stores each event once. The file's own
 * chain head and checksum are kept in {@code audit_imports} as evidence of what was imported.
 * Bookkeeping records of the file itself (run {@code -}, such as {@code audit.torn}) are not runs
 * and are left out.
 */
public final class Import {

    /** @param events the file's events; {@code inserted} new ones, {@code duplicates} already stored */
    public record Result(long events, long inserted, long duplicates, long skipped, String fileHead) {}

    private Import() {}

    static Result run(Connection c, PgSettings s, Path file, AuditEvent.Actor by) throws SQLException, IOException {
        ChainVerifier.Report report = ChainVerifier.verify(file);
        if (!report.intact()) {
            throw new AuditException(file + ":" + report.breakLine() + ": " + report.problem() + "; nothing imported");
        }
        AuditSchema.prepare(c, s);
        ChainWriter writer = new ChainWriter(c, s);
        long events = 0;
        long inserted = 0;
        long duplicates = 0;
        long skipped = 0;
        String head = AuditCodec.GENESIS;
        List<Unchained> batch = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                ObjectNode n = AuditCodec.parse(line);
                if (n == null || !n.hasNonNull("hash")) {
                    continue;  // a torn fragment, which verification accepted as such
                }
                head = n.get("hash").asText();
                if (Unchained.RUNLESS.equals(n.path("run_id").asText()) && n.path("type").asText().startsWith("audit.")) {
                    // audit.torn, audit.truncated: about this file's chain, which PostgreSQL's replaces
                    skipped++;
                    continue;
                }
                String body = EventText.unchain(line);
                Unchained e = body == null ? null : Unchained.parse(body);
                if (e == null) {
                    throw new AuditException(file + ": an event whose fields are not in the order runbook writes them; nothing more imported");
                }
                events++;
                batch.add(e);
                if (batch.size() >= Spool.DELIVERY_BATCH) {
                    ChainWriter.Written w = writer.write(batch, true);
                    inserted += w.inserted();
                    duplicates += w.duplicates();
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            ChainWriter.Written w = writer.write(batch, true);
            inserted += w.inserted();
            duplicates += w.duplicates();
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + s.table("audit_imports")
                + " (file, file_sha256, file_head, events, imported, imported_by) VALUES (?, ?, ?, ?, ?, ?)")) {
            ins.setString(1, file.toAbsolutePath().toString());
            ins.setString(2, sha256(file));
            ins.setString(3, head);
            ins.setLong(4, events);
            ins.setLong(5, inserted);
            ins.setString(6, by.user());
            ins.executeUpdate();
        }
        return new Result(events, inserted, duplicates, skipped, head);
    }

    private static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
