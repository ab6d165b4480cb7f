package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.EmbeddedMariaDb;
import com.synapbackfill.embedded.RealParts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;

/** {@link SourceKindsSuite} on MariaDB (embedded), as a login with SELECT on the tables only. */
class SourceKindsMariaDbIT extends SourceKindsSuite {
    static EmbeddedMariaDb maria;

    @BeforeAll
    static void setUp() throws Exception {
        maria = RealParts.mariaDb();
        startEmulator();
        try (Connection c = DriverManager.getConnection(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD);
             Statement st = c.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS '" + READER + "'@'%' IDENTIFIED BY '" + READER_PASSWORD + "'");
        }
    }

    @Override
    Db db() {
        return new Db() {
            public Connection admin() throws Exception {
                Connection c = DriverManager.getConnection(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD);
                try (Statement st = c.createStatement()) {
                    st.execute("SET time_zone = '+00:00'");
                }
                return c;
            }

            public String readerUrl() {
                return maria.jdbcUrl();
            }

            public String grant(String table) {
                return "GRANT SELECT ON " + EmbeddedMariaDb.DATABASE + "." + table + " TO '" + READER + "'@'%'";
            }

            public boolean postgres() {
                return false;
            }
        };
    }

    /**
     * #34: in a case-insensitive collation, ids that differ only by case are one key to the database's pages: they are read
     * as one conversation (never a row skipped at a page boundary), and estimate and run say so.
     */
    @org.junit.jupiter.api.Test
    void idsACaseInsensitiveCollationMergesAreOneConversationAndSaidSo() throws Exception {
        emulator.clearDocuments();
        java.util.List<Object[]> rows = new java.util.ArrayList<>();
        java.time.Instant at = java.time.Instant.parse("2025-04-01T00:00:00Z");
        long id = 0;
        // conversation "thread" in three spellings, its messages interleaved in time; 30 other conversations around it
        String[] spellings = {"thread", "THREAD", "Thread"};
        for (int k = 0; k < 12; k++)
            rows.add(new Object[] {++id, spellings[k % 3], "u", k % 2 == 0 ? "user" : "assistant", "m" + k, java.sql.Timestamp.from(at.plusSeconds(k))});
        for (int c = 0; c < 30; c++)
            for (int k = 0; k < 2; k++)
                rows.add(new Object[] {++id, "c" + c, "u", k == 0 ? "user" : "assistant", "x" + c + k, java.sql.Timestamp.from(at.plusSeconds(100 + k))});
        load("ci_messages", "CREATE TABLE ci_messages (id BIGINT PRIMARY KEY, conversation_id VARCHAR(32) COLLATE utf8mb4_general_ci, user_id VARCHAR(8), "
                + "role VARCHAR(16), content LONGTEXT, created_at TIMESTAMP(6) NULL)", rows);
        CliIT.Result e = estimate("--table", "ci_messages", "--shape", "messages", "--column", "customerId=");
        assertThat(e.exit()).as(e.output()).isZero();
        assertThat(e.output()).contains("1 groups of conversation ids differ only by case or accents");
        java.nio.file.Path state = java.nio.file.Files.createTempDirectory("kinds-collation");
        CliIT.Result r = run("collation", state, "--table", "ci_messages", "--shape", "messages", "--column", "customerId=", "--page-size", "3");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("1 groups of conversation ids differ only by case or accents");
        com.fasterxml.jackson.databind.JsonNode report = report(state, "collation");
        assertThat(report.get("counts").get("messages").asLong()).isEqualTo(rows.size());
        assertThat(report.get("invariant").get("holds").asBoolean()).isTrue();
        // the merged conversation: 12 messages alternating user/assistant, 6 turns; the others one turn each
        assertThat(emulator.documents()).hasSize(6 + 30);
        assertThat(emulator.documents().stream().filter(d -> d.metadata().path("source_conversation_id").asText().equalsIgnoreCase("thread"))
                .map(d -> d.metadata().get("source_conversation_id").asText()).distinct().toList()).hasSize(1);
    }
}
