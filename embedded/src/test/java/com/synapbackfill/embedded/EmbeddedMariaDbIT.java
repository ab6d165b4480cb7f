package com.synapbackfill.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The MariaDB the MySQL-family tests run on is a real server, reached over JDBC by both drivers. */
class EmbeddedMariaDbIT {
    @Test
    void serverAnswersBothDriversWithUtf8mb4() throws Exception {
        EmbeddedMariaDb db = RealParts.mariaDb();
        for (String url : new String[] {db.jdbcUrl(), db.mysqlJdbcUrl()}) {
            try (Connection c = DriverManager.getConnection(url, EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD);
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version(), @@character_set_server, '🎂'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as(url).contains("MariaDB");
                assertThat(rs.getString(2)).isEqualTo("utf8mb4");
                assertThat(rs.getString(3)).isEqualTo("🎂");
            }
        }
    }
}
