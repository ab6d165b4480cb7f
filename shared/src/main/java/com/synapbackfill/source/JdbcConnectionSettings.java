package com.synapbackfill.source;

import java.util.Objects;

/**
 * How to reach the source database. The password never appears in {@link #toString()}.
 *
 * @param jdbcUrl  {@code jdbc:postgresql://host:5432/app}, {@code jdbc:mysql://host:3306/app} or
 *                 {@code jdbc:mariadb://host:3306/app}
 * @param user     database user
 * @param password database password (from an env var or Secrets Manager, never a logged flag)
 */
public record JdbcConnectionSettings(String jdbcUrl, String user, String password) {
    public JdbcConnectionSettings {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:"))
            throw new IllegalArgumentException("SOURCE_JDBC_URL: must be a jdbc: URL (e.g. jdbc:postgresql://host:5432/db or "
                    + "jdbc:mysql://host:3306/db), was " + (jdbcUrl == null ? "missing" : "\"" + redactUrl(jdbcUrl) + "\""));
        SqlDialect.forUrl(jdbcUrl); // names the supported schemes when this one is not
        Objects.requireNonNull(user, "SOURCE_DB_USER: is required");
    }

    /** The SQL dialect of the URL's database. */
    public SqlDialect dialect() {
        return SqlDialect.forUrl(jdbcUrl);
    }

    /** The URL with any {@code password=} parameter and any {@code user:password@} credentials hidden. */
    public static String redactUrl(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=<redacted>").replaceAll("//([^/@:]*):[^/@]*@", "//$1:<redacted>@");
    }

    @Override
    public String toString() {
        return "JdbcConnectionSettings[jdbcUrl=" + redactUrl(jdbcUrl) + ", user=" + user + ", password=<redacted>]";
    }
}
