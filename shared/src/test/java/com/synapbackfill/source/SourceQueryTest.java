package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a query source may hold: one SELECT that only reads, however its text is quoted. */
class SourceQueryTest {
    static void refused(String sql, String why) {
        assertThatThrownBy(() -> SourceQuery.check("--query", sql)).as(sql).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--query: ").hasMessageContaining(why);
    }

    @Test
    void functionsThatWriteChangeSettingsOrTouchFilesAreRefusedByName() {
        Map<String, String> refused = Map.of(
                "SELECT set_config('default_transaction_read_only', 'off', false) AS id", "calls set_config(), which reads or changes the session's settings",
                "SELECT lo_import('/etc/passwd') AS id", "calls lo_import(), which reads or writes large objects",
                "SELECT lo_from_bytea(0, convert_to(content, 'UTF8')) AS id, content FROM chats", "calls lo_from_bytea()",
                "SELECT lo_export(1234, '/tmp/x') AS id", "calls lo_export()",
                "SELECT * FROM dblink_exec('dbname=app', 'DELETE FROM chats') AS t(id int)", "calls dblink_exec(), which runs SQL on another connection",
                "SELECT nextval('chats_id_seq') AS id", "calls nextval(), which moves a sequence",
                "SELECT pg_read_file('/etc/passwd') AS id", "calls pg_read_file(), which is an administration, file or session function",
                "SELECT id FROM chats WHERE pg_sleep(10) IS NULL", "calls pg_sleep()",
                "SELECT query_to_xml('DELETE FROM chats RETURNING 1', true, true, '') AS id", "calls query_to_xml()",
                "SELECT id, load_file('/etc/passwd') AS t FROM chats", "calls load_file(), which reads server files");
        refused.forEach(SourceQueryTest::refused);
        // a function of the user's: refused unless allowed by name; in a schema, by its qualified name
        refused("SELECT my_clean(content) AS content, id FROM chats", "calls my_clean(), which is not among the functions a query source may call");
        refused("SELECT app.my_clean(content) AS content, id FROM chats", "--allow-function app.my_clean");
        refused("SELECT \"set_config\"('a', 'b', false) AS id", "calls set_config()");
        refused("SELECT pg_catalog.set_config('a', 'b', false) AS id", "calls pg_catalog.set_config()");
        assertThat(SourceQuery.check("--query", "SELECT app.my_clean(content) AS content, id FROM chats", List.of("app.my_clean"))).contains("my_clean");
        assertThat(SourceQuery.check("--query", "SELECT my_clean(content) AS content, id FROM chats", List.of("my_clean"))).contains("my_clean");
    }

    @Test
    void aStatementHiddenInDollarQuotesOrBackslashEscapesIsFound() {
        // PostgreSQL reads $$'$$ as a literal: what follows is code (the old scanner took ' for the start of a string)
        refused("SELECT $$'$$ AS id; DELETE FROM chats; SELECT '1'", "two statements");
        refused("SELECT $tag$ x $tag$ AS id; DELETE FROM chats --'", "two statements");
        // MySQL reads \' inside a string as a quote: the string ends later than a standard reading thinks
        refused("SELECT 'a\\' AS id; DELETE FROM chats; -- ' AS x", "two statements");
        // and a standard reading sees a call a backslash reading hides (or the other way round): both must pass
        // a call a standard reading sees and a backslash reading takes for a literal: refused either way
        refused("SELECT 'a\\', set_config('x', 'y', false) AS id, 'b' AS z", "calls set_config()");
        refused("SELECT id FROM chats # ; DELETE FROM chats\n", "two statements");
        refused("SELECT id /* nested /* comment */ ; DELETE FROM chats */ FROM chats", "two statements");
        refused("SELECT 'never closed", "never closed");
    }

    @Test
    void writingAFileOrLockingIsRefused() {
        refused("SELECT id FROM chats INTO OUTFILE '/tmp/chats.csv'", "writes a file on the database server");
        refused("SELECT id FROM chats LOCK IN SHARE MODE", "locking clause");
    }

    @Test
    void everyPlainReadStillPasses() {
        List<String> fine = List.of(
                "SELECT c.id || ':' || m.ord AS msg_id, c.id AS chat_id, m.value->>'role' AS role, (m.value->>'timestamp')::bigint AS ts "
                        + "FROM chat c CROSS JOIN LATERAL jsonb_array_elements(c.chat->'messages') WITH ORDINALITY AS m(value, ord)",
                "SELECT m.id, m.chat_id, m.role, m.content, m.created_at, c.user_id FROM chats c CROSS JOIN LATERAL (WITH RECURSIVE "
                        + "chain(id, chat_id, role, content, created_at, latest_child_message_id) AS (SELECT id, chat_id, role, content, "
                        + "created_at, latest_child_message_id FROM messages WHERE chat_id = c.id AND parent_id IS NULL UNION ALL SELECT n.id, "
                        + "n.chat_id, n.role, n.content, n.created_at, n.latest_child_message_id FROM chain p JOIN messages n ON n.id = "
                        + "p.latest_child_message_id) SELECT * FROM chain) m",
                "SELECT id, CAST(created AS varchar(36)) AS t, coalesce(a, b) AS ab, x::numeric(10, 2) AS n, $1 AS p FROM t",
                "SELECT c.id, m.role FROM chat c, JSON_TABLE(c.chat, '$.messages[*]' COLUMNS (ord FOR ORDINALITY, role VARCHAR(16) PATH "
                        + "'$.role')) AS m",
                "SELECT id, count(*) OVER (PARTITION BY chat_id ORDER BY ts) AS n, string_agg(x, ',') FILTER (WHERE x IS NOT NULL) AS s "
                        + "FROM t WHERE id IN (SELECT id FROM u) AND EXISTS (SELECT 1 FROM v) GROUP BY id",
                "SELECT E'it\\'s' AS id, 'a;b' AS x, \"we;ird\" AS y, `mysql;name` AS z FROM t -- a comment; with a semicolon",
                "SELECT date_trunc('day', to_timestamp(ts)) AS d, json_unquote(json_extract(doc, '$.text')) AS t, id FROM t");
        for (String q : fine) assertThat(SourceQuery.check("--query", q)).as(q).isEqualTo(q);
    }
}
