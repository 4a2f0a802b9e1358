package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableBody;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TableRow;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.BulletList;
import org.commonmark.node.Code;
import org.commonmark.node.Emphasis;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.StrongEmphasis;
import org.commonmark.node.Text;
import org.commonmark.node.ThematicBreak;
import org.commonmark.parser.Parser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A markdown plan keeps its shape whatever a param holds: parsed as a renderer parses it
 * (CommonMark with GFM tables), it has the same headings, table rows, code blocks and list items as
 * for a plain value, and each value renders as the characters it holds, so none can close a fence,
 * open an HTML comment, add a heading or a cell, and hide or rewrite what a reviewer approves. The
 * first two values are the security review's reproductions.
 */
class PlanMarkdownIT {
    private static final String RUNBOOK = """
            name: mdplan
            description: |
              Cleans a cache <!-- so that nothing below would show
              # not a heading
              - not a list item
            params:
              dir: {type: string}
            steps:
              - id: clean
                confirm: {prompt: "Remove {{ params.dir }} for good?", word: clean}
                run: "rm -rf {{ params.dir }}"
              - id: report
                when: "params.dir != ''"
                run: "echo cleaned {{ params.dir }}"
            """;
    private static final Parser MARKDOWN = Parser.builder().extensions(List.of(TablesExtension.create())).build();

    @TempDir
    Path home;

    Cli cli;

    @BeforeEach
    void setUp() throws IOException {
        cli = Cli.in(home);
        Files.writeString(home.resolve("md.yaml"), RUNBOOK);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/srv/app/cache/tmp\n```\n\n_(step output truncated)_\n\n```sh\n",
        "/srv/cache <!--",
        "a` | b ```` <b>x</b> [l](http://e) ![i](http://e/i.png) &lt; &#x202e; *em* _u_ ~~s~~ $m$ \\ | c",
        "\n# Forged\n| a | b |\n|---|---|\n- item\n> quote\n1. one\n\n    indented\n---\n***\n=====",
        "x\u001b]0;title\u0007\u001b[2J",
        "plain"})
    void aParamRendersAsItselfAndLeavesThePlansStructureAsItIs(String value) {
        Cli.Result md = cli.run("plan", "md.yaml", "--format", "markdown", "-p", "dir=" + value);
        Cli.Result json = cli.run("plan", "md.yaml", "--format", "json", "-p", "dir=" + value);
        assertThat(md.exitCode()).as(md.toString()).isZero();
        assertThat(json.exitCode()).as(json.toString()).isZero();
        List<JsonNode> steps = new ArrayList<>();
        AuditLog.parse(json.stdout()).path("steps").forEach(steps::add);
        Node doc = MARKDOWN.parse(md.stdout());
        String oneLine = shown(value).replace("\n", "\\n");

        assertThat(all(doc, Heading.class)).as(md.stdout()).extracting(h -> h.getLevel() + " " + text(h))
                .containsExactly("1 Plan: mdplan", "2 Steps", "3 1. clean on localhost", "3 2. report on localhost");
        assertThat(all(doc, FencedCodeBlock.class)).as(md.stdout()).extracting(FencedCodeBlock::getLiteral)
                .containsExactly(shown(steps.get(0).path("rendered").asText().strip()) + "\n",
                        shown(steps.get(1).path("rendered").asText().strip()) + "\n");
        for (Class<? extends Node> none : List.of(HtmlBlock.class, HtmlInline.class, Link.class, Image.class, Emphasis.class,
                IndentedCodeBlock.class, OrderedList.class, ThematicBreak.class)) {
            assertThat(all(doc, none)).as(none.getSimpleName() + " in:\n" + md.stdout()).isEmpty();
        }
        assertThat(all(doc, StrongEmphasis.class)).extracting(PlanMarkdownIT::text)
                .containsExactly("Targets:", "Params:", "Steps:", "Stops for confirmation:");
        assertThat(all(doc, BulletList.class)).as(md.stdout()).hasSize(3);
        assertThat(all(doc, ListItem.class)).extracting(PlanMarkdownIT::text).as(md.stdout()).containsExactly(
                "Targets: localhost", "Params: dir=" + oneLine, "Steps: 2 (2 that change something, 1 confirmation gate)",
                "Stops for confirmation: Remove " + oneLine + " for good?",
                "Condition: params.dir != '': true: runs");
        assertThat(all(doc, Code.class)).extracting(Code::getLiteral).contains("dir=" + oneLine);
        assertThat(text(doc.getFirstChild().getNext())).as("the description")
                .isEqualTo("Cleans a cache <!-- so that nothing below would show\n# not a heading\n- not a list item");

        List<TableBlock> tables = all(doc, TableBlock.class);
        assertThat(tables).as(md.stdout()).hasSize(1);
        List<TableRow> rows = all(all(tables.get(0), TableBody.class).get(0), TableRow.class);
        assertThat(rows).hasSize(2);
        assertThat(rows).allSatisfy(r -> assertThat(all(r, TableCell.class)).hasSize(6));
        assertThat(text(all(rows.get(0), TableCell.class).get(5))).isEqualTo("⏸ Remove " + oneLine + " for good? (type clean)");
    }

    /** How a control character is shown in a plan: escaped ({@code \x1b}); the values here hold only these two. */
    private static String shown(String s) {
        return s.replace("\u001b", "\\x1b").replace("\u0007", "\\x07");
    }

    private static <T extends Node> List<T> all(Node root, Class<T> type) {
        List<T> found = new ArrayList<>();
        for (Node n = root.getFirstChild(); n != null; n = n.getNext()) {
            if (type.isInstance(n)) {
                found.add(type.cast(n));
            }
            found.addAll(all(n, type));
        }
        return found;
    }

    /** The characters a reader sees: text and code as they render, a soft line break as a line feed. */
    private static String text(Node root) {
        StringBuilder b = new StringBuilder();
        for (Node n = root.getFirstChild(); n != null; n = n.getNext()) {
            if (n instanceof Text t) {
                b.append(t.getLiteral());
            } else if (n instanceof Code c) {
                b.append(c.getLiteral());
            } else if (n instanceof SoftLineBreak) {
                b.append('\n');
            } else {
                b.append(text(n));
            }
        }
        return b.toString();
    }
}
