package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.embedded.SyntheticHistory.IdKind;
import com.synapbackfill.embedded.SyntheticHistory.IdLayout;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The source contract, one suite over every supported database ({@link JdbcTurnSourceIT} on PostgreSQL,
 * {@link MySqlTurnSourceIT} on MariaDB through both MySQL drivers): planning and keyset reads cover every row
 * exactly once and in id order, for dense, sparse, skewed, negative, UUID and text ids, views and slices;
 * bad configuration is named before any row is read; wall-clock timestamps are read in the configured zone.
 */
abstract class SourceContractSuite {
    /** Where the suite runs: the database's coordinates and its DDL. */
    interface Db {
        String jdbcUrl();

        String user();

        String password();

        /** DDL for an empty table with the default columns. */
        String emptyTableDdl(String table);
    }

    static Db target;
    static JdbcConnectionSettings db;

    static void use(Db d) {
        target = d;
        db = new JdbcConnectionSettings(d.jdbcUrl(), d.user(), d.password());
    }

    static Connection connect() throws java.sql.SQLException {
        return DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
    }

    static SyntheticHistory.Loaded load(String table, SyntheticHistory.Options o) {
        return SyntheticHistory.load(target.jdbcUrl(), target.user(), target.password(), table, o);
    }

    /** Every id in the database's own order, read without the code under test (a 16-byte id is formatted here). */
    static List<String> allIds(String table) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                Object v = rs.getObject(1);
                if (v instanceof byte[] b) {
                    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
                    ids.add(new java.util.UUID(bb.getLong(), bb.getLong()).toString());
                } else {
                    ids.add(v.toString());
                }
            }
        }
        return ids;
    }

    /** Plans the table and reads every shard from its start; returns the ids read, in order, and the shards. */
    static List<String> planAndReadAll(String table, int targetRows, int pageSize, List<Shard> shardsOut) {
        try (JdbcTurnSource src = new JdbcTurnSource(db, SourceConfig.of(table))) {
            SourceProfile p = src.profile();
            List<Shard> shards = ShardPlanner.plan("it", p, targetRows, src.sampleIds(5_000));
            shardsOut.addAll(shards);
            List<String> read = new ArrayList<>();
            for (Shard s : shards) {
                String after = null;
                while (true) {
                    List<Turn> page = src.readPage(s, after, pageSize);
                    page.forEach(t -> read.add(t.id()));
                    if (page.size() < pageSize) break;
                    after = page.get(page.size() - 1).id();
                }
            }
            return read;
        }
    }

    @Test
    void denseBigintTableIsShardedToTheTargetAndReadExactlyOnceInOrder() throws Exception {
        load("src_dense", SyntheticHistory.Options.of(20_000));
        List<Shard> shards = new ArrayList<>();
        List<String> read = planAndReadAll("src_dense", 2_000, 333, shards);
        assertThat(shards).hasSizeBetween(9, 11);
        assertThat(read).containsExactlyElementsOf(allIds("src_dense"));
    }

    @Test
    void sparseSkewedNegativeUuidAndTextIdsAreEachReadExactlyOnce() throws Exception {
        record Case(String table, IdKind kind, IdLayout layout) {
        }
        for (Case c : List.of(new Case("src_sparse", IdKind.BIGINT, IdLayout.SPARSE),
                new Case("src_skewed", IdKind.BIGINT, IdLayout.SKEWED),
                new Case("src_extremes", IdKind.BIGINT, IdLayout.NEGATIVE_AND_MAX),
                new Case("src_uuid", IdKind.UUID, IdLayout.DENSE),
                new Case("src_text", IdKind.TEXT, IdLayout.DENSE),
                new Case("src_uuid_text", IdKind.UUID_TEXT, IdLayout.DENSE))) {
            load(c.table(),
                    SyntheticHistory.Options.of(10_000).withIds(c.kind(), c.layout()));
            List<Shard> shards = new ArrayList<>();
            List<String> read = planAndReadAll(c.table(), 1_000, 400, shards);
            List<String> expected = allIds(c.table());
            assertThat(read).as(c.table()).hasSize(expected.size());
            assertThat(new HashSet<>(read)).as(c.table()).hasSize(expected.size()).containsAll(expected);
            assertThat(read).as(c.table() + " in id order").containsExactlyElementsOf(expected);
            assertThat(shards.size()).as(c.table() + " shard count").isGreaterThan(3);
            if (c.layout() == IdLayout.SKEWED) {
                try (JdbcTurnSource src = new JdbcTurnSource(db, SourceConfig.of(c.table()))) {
                    long max = 0;
                    for (Shard s : shards) max = Math.max(max, src.countRows(s));
                    assertThat((double) max).as("largest skewed shard").isLessThanOrEqualTo(2.0 * expected.size() / shards.size());
                }
            }
        }
    }

    @Test
    void aSliceIsEstimatedAsASliceNotAsTheWholeTable() throws Exception {
        load("src_slice", SyntheticHistory.Options.of(20_000));
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("src_slice", null, null, "5001", "10000"))) {
            SourceProfile p = src.profile();
            assertThat(p.minId()).isEqualTo("5001");
            assertThat(p.maxId()).isEqualTo("10000");
            assertThat(p.estimatedRows()).isBetween(4_500L, 5_500L);
        }
    }

    @Test
    void emptyTableGivesNoShards() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS src_empty");
            st.execute(target.emptyTableDdl("src_empty"));
        }
        try (JdbcTurnSource src = new JdbcTurnSource(db, SourceConfig.of("src_empty"))) {
            SourceProfile p = src.profile();
            assertThat(p.empty()).isTrue();
            assertThat(ShardPlanner.plan("it", p, 100, src.sampleIds(10))).isEmpty();
        }
    }

    @Test
    void badConfigurationIsNamedBeforeAnyRowIsRead() throws Exception {
        load("src_cfg", SyntheticHistory.Options.of(10));
        assertThatThrownBy(() -> new JdbcTurnSource(db, SourceConfig.of("no_such_table")).profile())
                .isInstanceOf(PermanentException.class).hasMessageContaining("source.table").hasMessageContaining("no_such_table");
        ColumnMapping wrong = new ColumnMapping("id", "user_id", "customer_id", "conversation_id", "message_index", "user_text",
                "assistant_text", "created");
        assertThatThrownBy(() -> new JdbcTurnSource(db, new SourceConfig("src_cfg", wrong, null, null, null)).profile())
                .isInstanceOf(PermanentException.class).hasMessageContaining("columns.createdAt").hasMessageContaining("created");
        ColumnMapping mistyped = new ColumnMapping("id", "user_id", "customer_id", "conversation_id", "user_text", "user_text",
                "assistant_text", "created_at");
        assertThatThrownBy(() -> new JdbcTurnSource(db, new SourceConfig("src_cfg", mistyped, null, null, null)).profile())
                .isInstanceOf(PermanentException.class).hasMessageContaining("columns.messageIndex").hasMessageContaining("integer");
        assertThatThrownBy(() -> SourceConfig.of("turns; DROP TABLE src_cfg"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source.table");
        assertThat(allIds("src_cfg")).hasSize(10);
    }

    @Test
    void viewWithRenamedColumnsAndTimestampWithoutZoneReadInConfiguredZone() throws Exception {
        load("src_naive",
                SyntheticHistory.Options.of(500).withTimestampWithZone(false).withBadRowsPerKind(0));
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE OR REPLACE VIEW v_turns AS SELECT id AS turn_id, user_id AS uid, customer_id AS org, conversation_id AS thread, "
                    + "message_index AS pos, user_text AS q, assistant_text AS a, created_at AS at FROM src_naive");
        }
        ColumnMapping m = new ColumnMapping("turn_id", "uid", "org", "thread", "pos", "q", "a", "at");
        List<Turn> utc;
        List<Turn> berlin;
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("v_turns", m, "UTC", null, null))) {
            SourceProfile p = src.profile();
            assertThat(p.idType()).isEqualTo(IdType.BIGINT);
            List<Shard> shards = ShardPlanner.plan("it", p, 100, src.sampleIds(500));
            Set<String> ids = new HashSet<>();
            for (Shard s : shards) src.readPage(s, null, 1000).forEach(t -> ids.add(t.id()));
            assertThat(ids).hasSize(500);
            utc = src.readByIds(List.of("1", "2"));
        }
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("v_turns", m, "Europe/Berlin", null, null))) {
            berlin = src.readByIds(List.of("1", "2"));
        }
        assertThat(utc).hasSize(2);
        long hours = java.time.Duration.between(berlin.get(0).createdAt(), utc.get(0).createdAt()).toHours();
        assertThat(hours).isBetween(1L, 2L); // Berlin is UTC+1/+2: the same wall clock is 1-2 h earlier in UTC
    }

    @Test
    void filterAndCutoverLeaveRowsOutButStillReadTheirIdsAndBindTheirValues() throws Exception {
        load("src_filtered", SyntheticHistory.Options.of(3_000).withBadRowsPerKind(0));
        String until = "2026-06-01T00:00:00Z";
        long expectedIncluded;
        try (Connection c = connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM src_filtered WHERE message_index < 3 AND user_id <> 'u-1' AND created_at < ?")) {
            ps.setObject(1, target.jdbcUrl().startsWith("jdbc:postgresql:")
                    ? java.time.OffsetDateTime.parse(until) : until.replace("T", " ").replace("Z", ""));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                expectedIncluded = rs.getLong(1);
            }
        }
        SourceConfig cfg = new SourceConfig("src_filtered", null, "message_index < 3 AND user_id <> 'u-1'", null, until, "UTC", null, null);
        int included = 0;
        int skipped = 0;
        try (JdbcTurnSource src = new JdbcTurnSource(db, cfg)) {
            for (Shard s : ShardPlanner.plan("it", src.profile(), 700, src.sampleIds(3_000))) {
                for (Turn t : src.readPage(s, null, 10_000)) {
                    if (t.skipped()) {
                        skipped++;
                        assertThat(t.userText()).as("a row left out is not read").isNull();
                    } else {
                        included++;
                        assertThat(t.messageIndex()).isLessThan(3);
                        assertThat(t.userId()).isNotEqualTo("u-1");
                        assertThat(t.createdAt()).isBefore(java.time.Instant.parse(until));
                    }
                }
            }
        }
        assertThat((long) included).isEqualTo(expectedIncluded).isPositive();
        assertThat(included + skipped).isEqualTo(3_000);
    }
}
