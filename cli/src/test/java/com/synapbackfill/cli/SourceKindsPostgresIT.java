package com.synapbackfill.cli;

import com.synapbackfill.embedded.ChatLogFixture;
import com.synapbackfill.embedded.RealParts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;

/** {@link SourceKindsSuite} on PostgreSQL (embedded), as a login with SELECT on the tables only. */
class SourceKindsPostgresIT extends SourceKindsSuite {
    static RealParts.Postgres pg;

    @BeforeAll
    static void setUp() throws Exception {
        pg = RealParts.postgres();
        startEmulator();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + READER + "') THEN CREATE ROLE " + READER
                    + " LOGIN PASSWORD '" + READER_PASSWORD + "'; END IF; END $$");
        }
    }

    @Override
    Db db() {
        return new Db() {
            public Connection admin() throws Exception {
                return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
            }

            public String readerUrl() {
                return ChatLogFixture.readerJdbcUrl(pg);
            }

            public String grant(String table) {
                return "GRANT SELECT ON " + table + " TO " + READER;
            }

            public boolean postgres() {
                return true;
            }
        };
    }
    /** A SERIAL id through --query is an integer id, as the driver reports it (and so is id::int). */
    @org.junit.jupiter.api.Test
    void aSerialIdThroughAQuery() throws Exception {
        exec("DROP TABLE IF EXISTS serial_turns", "CREATE TABLE serial_turns (id SERIAL PRIMARY KEY, user_id TEXT, conversation_id TEXT, "
                + "message_index INT, user_text TEXT, assistant_text TEXT, created_at TIMESTAMPTZ)",
                "INSERT INTO serial_turns (user_id, conversation_id, message_index, user_text, assistant_text, created_at) SELECT 'u', 'c' || g, 0, "
                + "'q' || g, 'a' || g, timestamptz '2025-01-01Z' + g * interval '1 minute' FROM generate_series(1, 20) g",
                db().grant("serial_turns"));
        for (String id : java.util.List.of("id", "id::int AS id")) {
            emulator.clearDocuments();
            String runId = "serial-" + (id.equals("id") ? "plain" : "cast");
            CliIT.Result r = run(runId, java.nio.file.Files.createTempDirectory("kinds-serial"), "--query", "SELECT " + id
                    + ", user_id, conversation_id, message_index, user_text, assistant_text, created_at FROM serial_turns", "--column", "customerId=");
            org.assertj.core.api.Assertions.assertThat(r.exit()).as(r.output()).isZero();
            org.assertj.core.api.Assertions.assertThat(emulator.documents()).hasSize(20);
        }
    }
    /**
     * A SQL_ASCII database stores whatever bytes it is given: one row of invalid UTF-8 is a bad row naming its id, counted,
     * and the run goes on (it used to refuse the whole run at start, SQLSTATE 22021, naming no row).
     */
    @org.junit.jupiter.api.Test
    void invalidUtf8InASqlAsciiDatabaseIsABadRowNamingIt() throws Exception {
        exec("DROP DATABASE IF EXISTS kinds_ascii", "CREATE DATABASE kinds_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        String url = pg.jdbcUrl().replaceFirst("/postgres\\?", "/kinds_ascii?");
        try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE ascii_turns (id BIGINT PRIMARY KEY, user_id TEXT, conversation_id TEXT, message_index INT, user_text TEXT, "
                    + "assistant_text TEXT, created_at TIMESTAMPTZ)");
            st.execute("INSERT INTO ascii_turns SELECT g, 'u', 'c' || g, 0, 'q' || g, 'a' || g, timestamptz '2025-01-01Z' + g * interval '1 minute' "
                    + "FROM generate_series(1, 30) g");
            st.execute("UPDATE ascii_turns SET assistant_text = E'broken \\xff\\xfe here' WHERE id = 17");
        }
        emulator.clearDocuments();
        java.nio.file.Path state = java.nio.file.Files.createTempDirectory("kinds-ascii");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--jdbc-url", url, "--db-user", pg.user(), "--table", "ascii_turns",
                "--column", "customerId=", "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--run-id", "ascii", "--state-dir", state.toString()));
        CliIT.Result r = CliIT.run(java.util.Map.of("SYNAP_API_KEY", com.synapbackfill.emulator.EmulatorSettings.DEFAULT_API_KEY,
                "SOURCE_DB_PASSWORD", pg.password()), args.toArray(String[]::new));
        org.assertj.core.api.Assertions.assertThat(r.exit()).as(r.output()).isZero();
        org.assertj.core.api.Assertions.assertThat(emulator.documents()).hasSize(29);
        String failures = java.nio.file.Files.readString(state.resolve("reports/runs/ascii/failures.jsonl"));
        org.assertj.core.api.Assertions.assertThat(failures.lines()).singleElement().asString().contains("\"sourceId\":\"17\"")
                .contains("bad_row:unreadable_text").contains("UTF-8");
    }
}
