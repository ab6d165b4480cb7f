package com.synapbackfill.source;

import java.util.Objects;

/**
 * How to reach the source database. The password never appears in {@link #toString()}.
 *
 * @param jdbcUrl  {@code jdbc:postgresql://host:5432/app}, {@code jdbc:mysql://host:3306/app} or
 *                 {@code jdbc:mariadb://host:3306/app}
 * @param user     database user
 * @param password database password (from an env var or Secrets Manager, never a logged flag)
 * @param statementTimeout how long one statement (a page, a sample) may run before the database cancels it; a silent
 *                 connection is dropped a little after (SOURCE_STATEMENT_TIMEOUT_SECONDS)
 */
public record JdbcConnectionSettings(String jdbcUrl, String user, String password, java.time.Duration statementTimeout) {
    /** Five minutes: a page on an indexed table takes milliseconds, a view's sample a few seconds. */
    public static final java.time.Duration DEFAULT_STATEMENT_TIMEOUT = java.time.Duration.ofMinutes(5);

    public JdbcConnectionSettings(String jdbcUrl, String user, String password) {
        this(jdbcUrl, user, password, DEFAULT_STATEMENT_TIMEOUT);
    }

    public JdbcConnectionSettings {
        if (statementTimeout == null) statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
        if (statementTimeout.toSeconds() < 1 || statementTimeout.toMinutes() > 60)
            throw new IllegalArgumentException("SOURCE_STATEMENT_TIMEOUT_SECONDS: must be 1..3600, was " + statementTimeout.toSeconds());
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:"))
            throw new IllegalArgumentException("SOURCE_JDBC_URL: must be a jdbc: URL (e.g. jdbc:postgresql://host:5432/db or "
                    + "jdbc:mysql://host:3306/db), was " + (jdbcUrl == null ? "missing" : "\"" + redactUrl(jdbcUrl) + "\""));
        SqlDialect.forUrl(jdbcUrl); // names the supported schemes when this one is not
        if (jdbcUrl.toLowerCase(java.util.Locale.ROOT).matches(".*[?&;]allowmultiqueries=true.*"))
            throw new IllegalArgumentException("SOURCE_JDBC_URL: allowMultiQueries=true lets one call carry several statements; a backfill "
                    + "sends one read at a time: remove it from the URL");
        Objects.requireNonNull(user, "SOURCE_DB_USER: is required");
    }

    /** How long a connection may stay silent before the driver drops it: beyond the statement timeout, so a slow statement is cancelled first. */
    public java.time.Duration socketTimeout() {
        return statementTimeout.plus(java.time.Duration.ofSeconds(Math.max(5, statementTimeout.toSeconds() / 5)));
    }

    /** The SQL dialect of the URL's database. */
    public SqlDialect dialect() {
        return SqlDialect.forUrl(jdbcUrl);
    }

    /**
     * A warning when the URL asks for no TLS and the database is not on this machine: chat history and the password
     * would cross the network in clear if the server allows it. Null when it asks for TLS, or the host is loopback.
     */
    public String tlsWarning() {
        String lower = jdbcUrl.toLowerCase(java.util.Locale.ROOT);
        java.util.regex.Matcher host = java.util.regex.Pattern.compile("^jdbc:[a-z]+://(?:[^/@]*@)?\\[?([^/:?\\]]+)").matcher(lower);
        String h = host.find() ? host.group(1) : "";
        if (h.equals("localhost") || h.startsWith("127.") || h.equals("::1")) return null;
        boolean tls = lower.matches(".*[?&;](sslmode=(require|verify-ca|verify-full|verify_ca|verify_identity|required|trust)"
                + "|ssl=true|usessl=true|requiressl=true).*");
        return tls ? null : "SOURCE_JDBC_URL: asks for no TLS (" + redactUrl(jdbcUrl) + "): the chat history and the login may cross the "
                + "network unencrypted. Add sslmode=verify-full (PostgreSQL), sslMode=VERIFY_IDENTITY (MySQL) or sslMode=verify-full (MariaDB)";
    }

    /** The URL with any {@code password=} parameter and any {@code user:password@} credentials hidden. */
    public static String redactUrl(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=<redacted>").replaceAll("//([^/@:]*):[^/@]*@", "//$1:<redacted>@");
    }

    @Override
    public String toString() {
        return "JdbcConnectionSettings[jdbcUrl=" + redactUrl(jdbcUrl) + ", user=" + user + ", password=<redacted>, statementTimeout="
                + statementTimeout + "]";
    }
}
