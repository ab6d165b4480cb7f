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
}
