package dev.runbook.exec.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.sql.SqlScript.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlScriptTest {

    private static List<String> texts(String sql) {
        return SqlScript.parse(sql).statements().stream().map(s -> s.text().strip()).toList();
    }

    private static Kind kind(String sql) {
        return SqlScript.parse(sql).statements().get(0).kind();
    }

    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        assertThat(texts("SELECT 'a;b', \"c;d\", E'\\';' -- ; not here\n; /* ; /* nested ; */ */ SELECT $$;$$, $x$;$x$;;"))
                .containsExactly("SELECT 'a;b', \"c;d\", E'\\';' -- ; not here", "/* ; /* nested ; */ */ SELECT $$;$$, $x$;$x$");
    }

    @Test
    void keepsTheBodyOfAnSqlStandardFunctionTogether() {
        assertThat(texts("CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC"
                + " SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; SELECT 2; END; SELECT 3")).hasSize(2);
    }

    @Test
    void aStepOfOnlyCommentsHasNoStatement() {
        assertThat(SqlScript.parse("-- nothing\n/* here */ ;").statements()).isEmpty();
    }

    @Test
    void countsPlaceholdersOutsideQuotesAndReadsDoubledOnesAsTheOperator() {
        SqlScript s = SqlScript.parse("SELECT ?, '?', data ?? 'k' FROM t WHERE a = ?; SELECT $1, ?");

        assertThat(s.statements()).extracting(st -> st.placeholders().size()).containsExactly(2, 1);
        assertThat(s.statements().get(0).placeholders()).containsExactly(7, 44);
        assertThat(s.statements().get(1).offset()).isEqualTo(46);
    }

    @ParameterizedTest
    @ValueSource(strings = {"VACUUM", "vacuum (verbose, analyze) t", "REINDEX DATABASE app", "reindex (verbose) system app",
            "REINDEX TABLE CONCURRENTLY t", "CREATE INDEX CONCURRENTLY i ON t (a)", "create unique index concurrently i on t (a)",
            "DROP INDEX CONCURRENTLY i", "CREATE DATABASE x", "DROP DATABASE x", "CREATE TABLESPACE s LOCATION '/x'",
            "ALTER SYSTEM SET work_mem = '8MB'", "ALTER DATABASE x SET TABLESPACE s", "CLUSTER", "DISCARD ALL",
            "CALL maintenance()", "ALTER TABLE p DETACH PARTITION c CONCURRENTLY", "/* c */ VACUUM FULL t"})
    void recognisesStatementsThatCannotRunInATransactionBlock(String sql) {
        assertThat(kind(sql)).isEqualTo(Kind.OWN_TRANSACTION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "REINDEX TABLE t", "CREATE INDEX i ON t (a)", "ALTER DATABASE x SET work_mem = '8MB'",
            "CLUSTER t USING i", "DELETE FROM vacuum_log", "ANALYZE t", "DO $$ BEGIN VACUUM; END $$", "PREPARE q AS SELECT 1"})
    void letsOtherStatementsShareATransaction(String sql) {
        assertThat(kind(sql)).isEqualTo(Kind.TRANSACTIONAL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"BEGIN", "start transaction", "COMMIT", "END", "ROLLBACK", "SAVEPOINT a", "PREPARE TRANSACTION 'x'"})
    void recognisesTransactionControl(String sql) {
        assertThat(kind(sql)).isEqualTo(Kind.TRANSACTION_CONTROL);
    }
}
