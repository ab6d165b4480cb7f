package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.embedded.EmbeddedMariaDb;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.embedded.SyntheticHistory.IdKind;
import com.synapbackfill.embedded.SyntheticHistory.IdLayout;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The source contract on a real MySQL-family server (MariaDB, embedded), through MariaDB Connector/J
 * ({@code jdbc:mariadb:}); {@link MySqlConnectorJTurnSourceIT} runs the whole suite again through MySQL
 * Connector/J ({@code jdbc:mysql:}). Plus what only MySQL has: DATETIME against TIMESTAMP, 4-byte UTF-8
 * whatever the connection defaults, BINARY(16) UUIDs, sampling without TABLESAMPLE.
 */
class MySqlTurnSourceIT extends SourceContractSuite {
    static EmbeddedMariaDb maria;

    static Db on(String url) {
        return new Db() {
            public String jdbcUrl() { return url; }

            public String user() { return EmbeddedMariaDb.USER; }

            public String password() { return EmbeddedMariaDb.PASSWORD; }

            public String emptyTableDdl(String table) {
                return "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, user_id VARCHAR(64), customer_id VARCHAR(64), "
                        + "conversation_id VARCHAR(64), message_index INT, user_text LONGTEXT, assistant_text LONGTEXT, created_at TIMESTAMP(6) NULL)";
            }
        };
    }

    @BeforeAll
    static void start() {
        maria = RealParts.mariaDb();
        use(on(maria.jdbcUrl()));
    }

    @Test
    void probeSamplingCutsSkewedSparseExtremeAndUuidIdsIntoEvenShardsWithoutReadingTheTable() throws Exception {
        record Case(String table, IdKind kind, IdLayout layout) {
        }
        for (Case c : List.of(new Case("probe_skewed", IdKind.BIGINT, IdLayout.SKEWED),
                new Case("probe_sparse", IdKind.BIGINT, IdLayout.SPARSE),
                new Case("probe_extremes", IdKind.BIGINT, IdLayout.NEGATIVE_AND_MAX),
                new Case("probe_uuid", IdKind.UUID, IdLayout.DENSE))) {
            load(c.table(), SyntheticHistory.Options.of(12_000).withIds(c.kind(), c.layout()));
            List<String> expected = allIds(c.table());
            try (JdbcTurnSource src = new JdbcTurnSource(db, SourceConfig.of(c.table()))) {
                src.probeAboveRows = 0; // as for a table of millions
                SourceProfile p = src.profile();
                List<String> sample = src.sampleIds(2_000);
                assertThat(sample).as(c.table() + " sample").hasSize(2_000);
                List<Shard> shards = ShardPlanner.plan("it", p, 1_000, sample);
                List<String> read = new ArrayList<>();
                long largest = 0;
                for (Shard s : shards) {
                    String after = null;
                    while (true) {
                        List<Turn> page = src.readPage(s, after, 500);
                        page.forEach(t -> read.add(t.id()));
                        if (page.size() < 500) break;
                        after = page.get(page.size() - 1).id();
                    }
                    largest = Math.max(largest, src.countRows(s));
                }
                assertThat(read).as(c.table() + " read once, in order").containsExactlyElementsOf(expected);
                assertThat(new HashSet<>(read)).hasSize(expected.size());
                assertThat(shards.size()).as(c.table() + " shards").isGreaterThan(5);
                assertThat((double) largest).as(c.table() + " largest shard").isLessThanOrEqualTo(2.0 * expected.size() / shards.size());
            }
        }
    }

    @Test
    void datetimeIsReadInTheConfiguredZoneTimestampAsAnInstantAndZeroDatesAreMissing() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SET time_zone = '+05:00'"); // the writer's session zone: TIMESTAMP stores the instant whatever it is
            st.execute("DROP TABLE IF EXISTS times");
            st.execute("CREATE TABLE times (id BIGINT PRIMARY KEY, user_id VARCHAR(8), conversation_id VARCHAR(8), message_index INT, "
                    + "user_text TEXT, assistant_text TEXT, created_at DATETIME(6) NULL, stamped TIMESTAMP(6) NULL)");
            st.execute("SET SESSION sql_mode = ''"); // lets the zero date in, as old MySQL data has it
            st.execute("INSERT INTO times VALUES (1, 'u', 'c', 0, 'hi', 'ho', '2026-03-29 01:30:00.250000', '2026-03-29 06:30:00.250000'),"
                    + " (2, 'u', 'c', 1, 'hi', 'ho', '0000-00-00 00:00:00', NULL)");
        }
        ColumnMapping local = ColumnMapping.of("test", Map.of());
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("times", local, null, null, null, "Europe/Berlin", null, null))) {
            List<Turn> turns = src.readByIds(List.of("1", "2"));
            assertThat(turns.get(0).createdAt()).isEqualTo(Instant.parse("2026-03-29T00:30:00.250Z")); // 01:30 CET (UTC+1)
            assertThat(turns.get(1).createdAt()).as("zero date").isNull();
        }
        ColumnMapping stamped = ColumnMapping.of("test", Map.of("createdAt", "stamped"));
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("times", stamped, null, null, null, "Europe/Berlin", null, null))) {
            // written as 06:30 at +05:00 = 01:30 UTC; the reading zone does not apply to an instant
            assertThat(src.readByIds(List.of("1")).get(0).createdAt()).isEqualTo(Instant.parse("2026-03-29T01:30:00.250Z"));
        }
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("times", local, null, "2026-03-29T00:00:00Z", null, "Europe/Berlin", null, null))) {
            List<Turn> turns = src.readByIds(List.of("1"));
            assertThat(turns.get(0).skipped()).as("--since compares in the column's own zone").isFalse();
        }
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("times", local, null, "2026-03-29T01:00:00Z", null, "Europe/Berlin", null, null))) {
            assertThat(src.readByIds(List.of("1")).get(0).skipped()).isTrue();
        }
    }

    @Test
    void fourByteCharactersArriveByteExactWhateverTheServersDefaultCharacterSet() throws Exception {
        String hard = "🎂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧‍👦 家族 e\u0301 \u202Ertl\u202C \uD83D\uDE00 " + "🙂".repeat(10_000);
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS charsets");
            st.execute("CREATE TABLE charsets (id BIGINT PRIMARY KEY, user_id VARCHAR(8), conversation_id VARCHAR(8), message_index INT, "
                    + "user_text LONGTEXT CHARACTER SET utf8mb4, assistant_text TEXT CHARACTER SET latin1, created_at TIMESTAMP NULL) "
                    + "CHARACTER SET latin1");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO charsets VALUES (1, 'u', 'c', 0, ?, ?, '2026-01-01 00:00:00')")) {
                ps.setString(1, hard);
                ps.setString(2, "Café crème, Zürich");
                ps.executeUpdate();
            }
        }
        try (Connection root = connect(); Statement st = root.createStatement()) {
            // a server whose defaults are latin1, as an old MySQL's are
            st.execute("SET GLOBAL character_set_server = latin1, character_set_client = latin1, character_set_results = latin1, "
                    + "character_set_connection = latin1, collation_connection = latin1_swedish_ci");
            try {
                for (String url : List.of(maria.jdbcUrl(), maria.mysqlJdbcUrl())) {
                    try (JdbcTurnSource src = new JdbcTurnSource(new JdbcConnectionSettings(url, EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD),
                            SourceConfig.of("charsets"))) {
                        Turn t = src.readByIds(List.of("1")).get(0);
                        assertThat(t.userText().getBytes(StandardCharsets.UTF_8)).as(url).isEqualTo(hard.getBytes(StandardCharsets.UTF_8));
                        assertThat(t.assistantText()).isEqualTo("Café crème, Zürich");
                    }
                }
            } finally {
                st.execute("SET GLOBAL character_set_server = utf8mb4, character_set_client = utf8mb4, character_set_results = utf8mb4, "
                        + "character_set_connection = utf8mb4, collation_connection = utf8mb4_unicode_ci");
            }
        }
        // the URL's characterEncoding gives way to the dialect's utf8mb4 ...
        String latin = maria.mysqlJdbcUrl() + "&characterEncoding=latin1";
        try (JdbcTurnSource src = new JdbcTurnSource(new JdbcConnectionSettings(latin, EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD),
                SourceConfig.of("charsets"))) {
            assertThat(src.readByIds(List.of("1")).get(0).userText().getBytes(StandardCharsets.UTF_8)).isEqualTo(hard.getBytes(StandardCharsets.UTF_8));
        }
        // ... and results asked in a character set without 4-byte characters are refused, naming the setting
        String narrow = maria.mysqlJdbcUrl() + "&characterSetResults=latin1";
        assertThatThrownBy(() -> new JdbcTurnSource(new JdbcConnectionSettings(narrow, EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD),
                SourceConfig.of("charsets")).profile())
                .isInstanceOf(PermanentException.class).hasMessageContaining("SOURCE_JDBC_URL").hasMessageContaining("utf8mb4");
    }

    @Test
    void binaryUuidIdsAreCanonicalTextAndCharUuidIdsAreTextIds() throws Exception {
        load("ids_binary", SyntheticHistory.Options.of(300).withIds(IdKind.UUID, IdLayout.DENSE).withBadRowsPerKind(0));
        load("ids_char", SyntheticHistory.Options.of(300).withIds(IdKind.UUID_TEXT, IdLayout.DENSE).withBadRowsPerKind(0));
        try (JdbcTurnSource bin = new JdbcTurnSource(db, SourceConfig.of("ids_binary"));
             JdbcTurnSource chr = new JdbcTurnSource(db, SourceConfig.of("ids_char"))) {
            assertThat(bin.profile().idType()).isEqualTo(IdType.UUID);
            assertThat(chr.profile().idType()).isEqualTo(IdType.TEXT);
            assertThat(bin.profile().minId()).isEqualTo(chr.profile().minId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            String some = allIds("ids_char").get(123);
            assertThat(bin.readByIds(List.of(some))).extracting(Turn::id).containsExactly(some);
            assertThat(bin.readByIds(List.of(some.toUpperCase()))).as("any case of a UUID finds it").extracting(Turn::id).containsExactly(some);
        }
    }

    @Test
    void unsupportedTypesAndCaseOfNamesAreHandledAsMySqlDoes() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS shouty");
            st.execute("CREATE TABLE shouty (Turn_ID BIGINT PRIMARY KEY, UserId VARCHAR(8), Conversation VARCHAR(8), Pos INT, "
                    + "Question TEXT, Answer TEXT, At DATETIME, Score DOUBLE)");
            st.execute("INSERT INTO shouty VALUES (7, 'u', 'c', 0, 'q', 'a', '2026-01-01 00:00:00', 1.5)");
        }
        ColumnMapping m = ColumnMapping.of("test", Map.of("id", "turn_id", "userId", "userid", "conversationId", "conversation",
                "messageIndex", "pos", "userText", "question", "assistantText", "answer", "createdAt", "at"));
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("shouty", m, null, null, null, "UTC", null, null))) {
            assertThat(src.readByIds(List.of("7"))).extracting(Turn::userText).containsExactly("q");
        }
        ColumnMapping bad = ColumnMapping.of("test", Map.of("id", "score", "userId", "userid", "conversationId", "conversation",
                "messageIndex", "pos", "userText", "question", "assistantText", "answer", "createdAt", "at::epoch_ms"));
        assertThatThrownBy(() -> new JdbcTurnSource(db, new SourceConfig("shouty", bad, null, null, null, "UTC", null, null)).profile())
                .isInstanceOf(PermanentException.class)
                .hasMessageContaining("columns.id: column \"score\" has type double")
                .hasMessageContaining("columns.createdAt: \"at::epoch_ms\" names a unit, but At is a datetime column")
                .hasMessageContaining("Turn_ID");
    }
}
