package com.synapbackfill.source;

import java.util.Objects;

/**
 * How to reach the source database. The password never appears in {@link #toString()}.
 *
 * @param jdbcUrl  e.g. {@code jdbc:postgresql://host:5432/app}
 * @param user     database user
 * @param password database password (from an env var or Secrets Manager, never a logged flag)
 */
public record JdbcConnectionSettings(String jdbcUrl, String user, String password) {
    public JdbcConnectionSettings {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:"))
            throw new IllegalArgumentException("SOURCE_JDBC_URL: must be a jdbc: URL (e.g. jdbc:postgresql://host:5432/db), was "
                    + (jdbcUrl == null ? "missing" : "\"" + jdbcUrl.replaceAll("password=[^&]*", "password=<redacted>") + "\""));
        if (!jdbcUrl.startsWith("jdbc:postgresql:"))
            throw new IllegalArgumentException("SOURCE_JDBC_URL: only PostgreSQL (jdbc:postgresql:) is supported so far");
        Objects.requireNonNull(user, "SOURCE_DB_USER: is required");
    }

    public SqlDialect dialect() {
        return new PostgresDialect();
    }

    @Override
    public String toString() {
        return "JdbcConnectionSettings[jdbcUrl=" + jdbcUrl.replaceAll("password=[^&]*", "password=<redacted>")
                + ", user=" + user + ", password=<redacted>]";
    }
}
