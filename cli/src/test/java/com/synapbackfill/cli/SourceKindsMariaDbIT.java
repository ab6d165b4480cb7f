package com.synapbackfill.cli;

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
}
