package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.embedded.RealParts;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The source side on a real PostgreSQL: planning and keyset reads cover every row exactly once. */
class JdbcTurnSourceIT {
    static RealParts.Postgres pg;
    static JdbcConnectionSettings db;

    @BeforeAll
    static void start() {
        pg = RealParts.postgres();
        db = new JdbcConnectionSettings(pg.jdbcUrl(), pg.user(), pg.password());
    }

    static List<String> allIds(String table) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id::text AS tid FROM " + table + " ORDER BY id")) {
            while (rs.next()) ids.add(rs.getString(1));
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
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "src_dense", SyntheticHistory.Options.of(20_000));
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
                new Case("src_text", IdKind.TEXT, IdLayout.DENSE))) {
            SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), c.table(),
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
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "src_slice", SyntheticHistory.Options.of(20_000));
        try (JdbcTurnSource src = new JdbcTurnSource(db, new SourceConfig("src_slice", null, null, "5001", "10000"))) {
            SourceProfile p = src.profile();
            assertThat(p.minId()).isEqualTo("5001");
            assertThat(p.maxId()).isEqualTo("10000");
            assertThat(p.estimatedRows()).isBetween(4_500L, 5_500L);
        }
    }

    @Test
    void emptyTableGivesNoShards() throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS src_empty; CREATE TABLE src_empty (id bigint primary key, user_id text, customer_id text, "
                    + "conversation_id text, message_index int, user_text text, assistant_text text, created_at timestamptz)");
        }
        try (JdbcTurnSource src = new JdbcTurnSource(db, SourceConfig.of("src_empty"))) {
            SourceProfile p = src.profile();
            assertThat(p.empty()).isTrue();
            assertThat(ShardPlanner.plan("it", p, 100, src.sampleIds(10))).isEmpty();
        }
    }

    @Test
    void badConfigurationIsNamedBeforeAnyRowIsRead() throws Exception {
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "src_cfg", SyntheticHistory.Options.of(10));
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
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "src_naive",
                SyntheticHistory.Options.of(500).withTimestampWithZone(false).withBadRowsPerKind(0));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
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
}
