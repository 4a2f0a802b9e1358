package dev.runbook.exec.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.expr.JsonValues;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A result set as the plain values expressions work on: strings, longs, doubles, booleans, null,
 * lists for arrays, maps and lists for json. Timestamps become ISO-8601 strings, numerics a long or
 * double when that is exact, else their decimal text; anything else the server's text for it.
 */
final class Rows {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The rows read, at most the limit; {@code truncated} when there were more. */
    record Page(List<String> columns, List<Map<String, Object>> rows, boolean truncated) {}

    private Rows() {}

    static Page read(ResultSet rs, int limit) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            columns.add(unique(md.getColumnLabel(i), columns));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() >= limit) {
                truncated = true;
                break;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= n; i++) {
                row.put(columns.get(i - 1), value(rs, i, md.getColumnTypeName(i)));
            }
            rows.add(row);
        }
        return new Page(columns, rows, truncated);
    }

    /** {@code SELECT 1, 1} has two columns named {@code ?column?}: the second becomes {@code ?column?_2}. */
    private static String unique(String label, List<String> taken) {
        if (!taken.contains(label)) {
            return label;
        }
        int k = 2;
        while (taken.contains(label + "_" + k)) {
            k++;
        }
        return label + "_" + k;
    }

    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        switch (type) {
            case "timestamptz" -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                return t == null ? null : t.equals(OffsetDateTime.MAX) ? "infinity" : t.equals(OffsetDateTime.MIN) ? "-infinity"
                        : t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            }
            case "timestamp" -> {
                LocalDateTime t = rs.getObject(i, LocalDateTime.class);
                return t == null ? null : t.equals(LocalDateTime.MAX) ? "infinity" : t.equals(LocalDateTime.MIN) ? "-infinity"
                        : t.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
            }
            case "date" -> {
                LocalDate d = rs.getObject(i, LocalDate.class);
                return d == null ? null : d.equals(LocalDate.MAX) ? "infinity" : d.equals(LocalDate.MIN) ? "-infinity" : d.toString();
            }
            case "json", "jsonb" -> {
                return json(rs.getString(i));
            }
            default -> {
                return plain(rs.getObject(i), rs, i);
            }
        }
    }

    private static Object plain(Object o, ResultSet rs, int i) throws SQLException {
        if (o == null || o instanceof String || o instanceof Boolean || o instanceof Long || o instanceof Double) {
            return o;
        }
        if (o instanceof Integer || o instanceof Short || o instanceof Byte) {
            return ((Number) o).longValue();
        }
        if (o instanceof Float f) {
            return f.doubleValue();
        }
        if (o instanceof BigDecimal d) {
            return number(d);
        }
        if (o instanceof byte[] b) {
            return "\\x" + HexFormat.of().formatHex(b);
        }
        if (o instanceof Array a) {
            return array(a.getArray());
        }
        // uuid, inet, interval, time, money, xml, enums...: the server's own text
        return rs == null ? String.valueOf(o) : rs.getString(i);
    }

    private static Object array(Object array) throws SQLException {
        if (!(array instanceof Object[] items)) {
            return String.valueOf(array);
        }
        List<Object> out = new ArrayList<>();
        for (Object item : items) {
            out.add(item != null && item.getClass().isArray() && !(item instanceof byte[]) ? array(item) : plain(item, null, 0));
        }
        return out;
    }

    /** A long when integral and in range, a double when that is exact, else the decimal text. */
    static Object number(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        if (s.scale() <= 0 && s.precision() - s.scale() <= 18) {
            return s.longValueExact();
        }
        double x = d.doubleValue();
        if (!Double.isInfinite(x) && BigDecimal.valueOf(x).compareTo(d) == 0) {
            return x;
        }
        return d.toPlainString();
    }

    private static Object json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return JsonValues.toPlain(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            return text;
        }
    }
}
