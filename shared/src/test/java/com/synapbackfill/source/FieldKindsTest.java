package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Times kept as text or numbers, field alternatives and units as a mapping writes them, and query sources refused by the parser. */
class FieldKindsTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void isoTextWithAndWithoutOffsetsAsAppsWriteIt() {
        assertThat(Times.parseIso("2025-03-01T10:00:00.123456Z", BERLIN)).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456Z"));
        assertThat(Times.parseIso("2025-03-01T11:00:00+02:00", BERLIN)).isEqualTo(Instant.parse("2025-03-01T09:00:00Z"));
        assertThat(Times.parseIso("2025-03-01T11:00:00+0200", BERLIN)).isEqualTo(Instant.parse("2025-03-01T09:00:00Z"));
        assertThat(Times.parseIso("2025-03-01 11:00:00.5-05", BERLIN)).isEqualTo(Instant.parse("2025-03-01T16:00:00.5Z"));
        // without an offset: the timestamp zone (Berlin is +01:00 in March before the DST change)
        assertThat(Times.parseIso("2025-03-01 12:00:00.5", BERLIN)).isEqualTo(Instant.parse("2025-03-01T11:00:00.5Z"));
        assertThat(Times.parseIso("2025-03-01T12:00", BERLIN)).isEqualTo(Instant.parse("2025-03-01T11:00:00Z"));
        assertThat(Times.parseIso("2025-03-01T10:00:00.123456789Z", BERLIN)).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456789Z"));
        assertThat(Times.parseIso("yesterday", BERLIN)).isNull();
        assertThat(Times.parseIso("1740823200", BERLIN)).isNull();
    }

    @Test
    void epochNumbersInEachUnitKeepTheirFractions() {
        assertThat(Times.parseEpoch("1740823200", Times.Unit.EPOCH_S)).isEqualTo(Instant.parse("2025-03-01T10:00:00Z"));
        assertThat(Times.parseEpoch("1740823200.123456", Times.Unit.EPOCH_S)).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456Z"));
        assertThat(Times.parseEpoch("1.740823200123456E9", Times.Unit.EPOCH_S)).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456Z"));
        assertThat(Times.parseEpoch("1740823200123", Times.Unit.EPOCH_MS)).isEqualTo(Instant.parse("2025-03-01T10:00:00.123Z"));
        assertThat(Times.parseEpoch("1740823200123456", Times.Unit.EPOCH_US)).isEqualTo(Instant.parse("2025-03-01T10:00:00.123456Z"));
        assertThat(Times.parseEpoch("-1.5", Times.Unit.EPOCH_S)).isEqualTo(Instant.parse("1969-12-31T23:59:58.5Z"));
        assertThat(Times.parseEpoch("soon", Times.Unit.EPOCH_S)).isNull();
        assertThat(Times.parseEpoch("1e400", Times.Unit.EPOCH_S)).isNull();
        assertThat(Times.Unit.of("epoch_ms")).isEqualTo(Times.Unit.EPOCH_MS);
        assertThat(Times.Unit.of("fortnights")).isNull();
    }

    @Test
    void aFieldNamesAlternativesAndTimesNameAUnit() {
        MessageShape s = MessageShape.of("--column", Map.of("conversationId", "thread_id ?? topic_id ?? sessions.default_topic",
                "createdAt", "data#/timestamp::epoch_ms ?? created_at"), null, null, List.of("sessions.id=session_id"));
        assertThat(s.refs("conversationId")).extracting(MessageShape.Ref::text)
                .containsExactly("thread_id", "topic_id", "sessions.default_topic");
        assertThat(s.refs("createdAt").get(0)).isEqualTo(new MessageShape.Ref("createdAt", null, "data", "/timestamp", Times.Unit.EPOCH_MS));
        assertThat(s.ref("createdAt").column()).isEqualTo("data");
        assertThatThrownBy(() -> MessageShape.of("--column", Map.of("createdAt", "ts::fortnights"), null, null, null))
                .hasMessageContaining("--column: columns.createdAt: unknown time unit \"fortnights\" in \"ts::fortnights\"")
                .hasMessageContaining("::epoch_ms");
        assertThatThrownBy(() -> MessageShape.of("--column", Map.of("role", "kind::epoch"), null, null, null))
                .hasMessageContaining("columns.role").hasMessageContaining("is not a time");
        assertThatThrownBy(() -> MessageShape.of("--column", Map.of("conversationId", "a ?? "), null, null, null))
                .hasMessageContaining("empty alternative");
        // the turn shape's time takes the same kinds
        assertThat(ColumnMapping.of("--column", Map.of("createdAt", "sent_at::epoch_ms")).createdAt()).isEqualTo("sent_at::epoch_ms");
        assertThatThrownBy(() -> ColumnMapping.of("--column", Map.of("createdAt", "sent_at::weeks"))).hasMessageContaining("unknown time unit");
    }

    @Test
    void aQuerySourceIsOneReadOnlySelect() {
        assertThat(SourceQuery.check("--query", "SELECT id, x FROM t WHERE y = ';' ;")).isEqualTo("SELECT id, x FROM t WHERE y = ';'");
        assertThat(SourceQuery.check("--query", "WITH a AS (SELECT 1 AS id) SELECT id FROM a UNION ALL SELECT 2")).startsWith("WITH");
        Map<String, String> refused = Map.of(
                "DELETE FROM t", "is a DELETE statement",
                "INSERT INTO t (id) VALUES (1) RETURNING id", "is an INSERT ... RETURNING statement",
                "SELECT * FROM t FOR UPDATE", "a locking clause (FOR UPDATE)",
                "SELECT * FROM t FOR SHARE", "a locking clause (FOR SHARE)",
                "SELECT 1; SELECT 2", "two statements",
                "WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d", "only SELECTs",
                "SELECT * INTO t2 FROM t", "SELECT ... INTO",
                "UPDATE t SET a = 1", "is an UPDATE statement");
        refused.forEach((sql, why) -> assertThatThrownBy(() -> SourceQuery.check("--query", sql)).as(sql)
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--query: ").hasMessageContaining(why));
        // a database's own syntax the parser does not read: checked by its words, and it still runs read-only
        String jsonTable = "SELECT c.id, m.role FROM chat c, JSON_TABLE(c.chat, '$.messages[*]' COLUMNS (ord FOR ORDINALITY, "
                + "role VARCHAR(16) PATH '$.role')) AS m";
        assertThat(SourceQuery.check("--query", jsonTable)).isEqualTo(jsonTable);
        assertThatThrownBy(() -> SourceQuery.check("--query", jsonTable.replace("SELECT c.id", "WITH d AS (DELETE FROM t) SELECT c.id")))
                .hasMessageContaining("holds DELETE");
        assertThatThrownBy(() -> SourceQuery.check("--query", "SHOW TABLES")).hasMessageContaining("only a SELECT");
        assertThatThrownBy(() -> new SourceConfig("t", null, null, null, null, null, null, null, null, "SELECT 1 AS id", null))
                .hasMessageContaining("give a table or a query, not both");
        assertThat(new SourceConfig(null, null, null, null, null, null, null, null, null, "SELECT 1 AS id", null).name()).isEqualTo("query");
    }

    @Test
    void filtersNameQuotedColumnsAndStayBounded() {
        SourceFilter f = SourceFilter.parse("--filter", "\"chatType\" = 'EXTERNAL' AND \"Weird\"\"Name\" IS NULL");
        assertThat(f.columns()).containsExactlyInAnyOrder("\"chatType\"", "\"Weird\"\"Name\"");
        assertThat(SourceFilter.unquoted("\"Weird\"\"Name\"")).isEqualTo("Weird\"Name");
        assertThat(f.render(c -> "<" + SourceFilter.unquoted(c) + ">").sql()).isEqualTo("(<chatType> = ? AND <Weird\"Name> IS NULL)");
        String deep = "(".repeat(2_000) + "a = 1" + ")".repeat(2_000);
        assertThatThrownBy(() -> SourceFilter.parse("--filter", deep)).hasMessageContaining("nesting deeper than " + SourceFilter.MAX_DEPTH);
        String longIn = "a IN (" + String.join(", ", java.util.Collections.nCopies(25_000, "1")) + ")";
        assertThatThrownBy(() -> SourceFilter.parse("--filter", longIn)).hasMessageContaining("binds 25000 literals; at most 10000");
    }
}
