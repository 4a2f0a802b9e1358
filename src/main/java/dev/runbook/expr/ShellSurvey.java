package dev.runbook.expr;

import dev.runbook.expr.TemplateParts.Part;
import java.util.List;

/**
 * What {@link ShellLexer} read from a shell template's literal text: where each {@code {{ }}} lands,
 * and the here-document lines that hold splices, which must not become the line that ends the
 * document once the values are in.
 *
 * @param sites one per expression of the template, in order
 * @param lines here-document lines with at least one splice
 */
public record ShellSurvey(List<ShellSite> sites, List<Line> lines) {

    /**
     * A here-document line as written: literal text and splice indexes in order.
     *
     * @param strip whether leading tabs are removed ({@code <<-}) before the line is compared
     */
    public record Line(List<Object> pieces, String delimiter, boolean strip) {
        public Line {
            pieces = List.copyOf(pieces);
        }
    }

    public ShellSurvey {
        sites = List.copyOf(sites);
        lines = List.copyOf(lines);
    }

    /** Reads a template split into literal text and expressions. */
    public static ShellSurvey of(List<Part> parts) {
        return ShellLexer.survey(parts);
    }

    /**
     * The index of the first splice on a here-document line that the spliced words make into the
     * line that ends the document, or -1.
     *
     * @param words the text spliced for each expression; null where it is not known (a plan)
     */
    public int endsHeredocEarly(List<String> words) {
        for (Line line : lines) {
            StringBuilder text = new StringBuilder();
            Integer first = null;
            boolean known = true;
            for (Object piece : line.pieces()) {
                if (piece instanceof Integer i) {
                    first = first == null ? i : first;
                    known &= words.get(i) != null;
                    text.append(words.get(i));
                } else {
                    text.append(piece);
                }
            }
            if (known && first != null && endsDocument(text.toString(), line)) {
                return first;
            }
        }
        return -1;
    }

    private static boolean endsDocument(String text, Line line) {
        for (String l : text.split("\n", -1)) {
            if ((line.strip() ? l.replaceFirst("^\t+", "") : l).equals(line.delimiter())) {
                return true;
            }
        }
        return false;
    }
}
