package com.synapbackfill.source;

import com.synapbackfill.config.Redaction;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.model.IdType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The source's one JDBC connection: opened on first use (read-only, the dialect's session settings), checked and
 * reopened when broken, closed by {@link #close()}; and the translation of every {@link SQLException} into the
 * project's exceptions, with the password redacted. Not thread-safe: one per worker.
 *
 * <p>Reading cannot write, whatever the login: the connection is out of autocommit, and every statement runs inside a
 * transaction begun {@code READ ONLY} ({@link SqlDialect#beginReadOnly}). It begins when the first statement is made and
 * ends (rolled back: nothing was written) when the last one open is closed, so no transaction outlives the page it
 * reads, and a query that switches the session's default to read-write changes nothing for the transaction it runs in.
 */
final class SourceConnection implements AutoCloseable {

    private final JdbcConnectionSettings settings;
    private final SqlDialect dialect;
    /** The driver's connection, and the same behind the statement tracking that holds every statement in a read-only transaction. */
    private Connection raw;
    private Connection conn;

    SourceConnection(JdbcConnectionSettings settings) {
        this.settings = settings;
        this.dialect = settings.dialect();
    }

    SqlDialect dialect() {
        return dialect;
    }

    private Boolean sqlAscii;

    /**
     * Whether the database stores text unchecked (PostgreSQL's SQL_ASCII encoding): its text may be any bytes, and the
     * server refuses a whole statement whose result holds invalid UTF-8; such text is read as bytes and checked row by row.
     */
    boolean sqlAscii() {
        if (sqlAscii != null) return sqlAscii;
        if (!(dialect instanceof PostgresDialect)) return sqlAscii = false;
        try (PreparedStatement ps = prepare("SELECT current_setting('server_encoding')"); java.sql.ResultSet rs = ps.executeQuery()) {
            rs.next();
            return sqlAscii = "SQL_ASCII".equalsIgnoreCase(rs.getString(1));
        } catch (SQLException e) {
            throw error("reading the database's encoding", e);
        }
    }

    /** The login, for messages ("not visible to user reader"). */
    String user() {
        return settings.user();
    }

    /** The open connection, (re)opened when needed; connecting errors are translated. */
    Connection get() {
        try {
            if (conn != null && !raw.isClosed() && raw.isValid(2)) return conn;
            closeQuietly();
            Properties p = dialect.connectionProperties(settings.socketTimeout());
            p.setProperty("user", settings.user());
            if (settings.password() != null) p.setProperty("password", settings.password());
            Connection c = DriverManager.getConnection(settings.jdbcUrl(), p);
            try {
                c.setAutoCommit(false);
                c.setReadOnly(true);
                dialect.prepareSession(c);
                c.commit(); // the session's settings stay (PostgreSQL undoes a SET with the transaction it was made in)
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            raw = c;
            conn = ReadOnlyTransactions.wrap(c, dialect);
            return conn;
        } catch (SQLException e) {
            closeQuietly();
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("28")) {
                // invalid authorization (PostgreSQL 28P01/28000, MySQL 1045 "Access denied"): the setting is wrong, retrying cannot help
                String which = settings.password() == null || settings.password().isEmpty()
                        ? "SOURCE_DB_PASSWORD (or the secret of SOURCE_DB_SECRET_ARN) is not set, and the database wants one"
                        : "check SOURCE_DB_PASSWORD (or the secret of SOURCE_DB_SECRET_ARN) and SOURCE_DB_USER";
                throw new PermanentException(PermanentException.Kind.CONFIGURATION, "SOURCE_DB_PASSWORD: the database refused user "
                        + settings.user() + " (" + state + "): " + redact(e.getMessage()) + "; " + which, 0, null, e);
            }
            throw new RetryableException("source_unreachable", "SOURCE_JDBC_URL: cannot connect to the source database ("
                    + e.getSQLState() + "): " + redact(e.getMessage()), 0, null, e);
        }
    }

    /** A statement on the connection, bounded by the statement timeout (the caller closes it). */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = get().prepareStatement(sql);
        ps.setQueryTimeout((int) settings.statementTimeout().toSeconds());
        return ps;
    }

    /** Binds {@code binds} from parameter {@code from}; returns the next parameter's index. */
    int bindAll(PreparedStatement ps, int from, List<Object> binds) throws SQLException {
        int i = from;
        for (Object b : binds) dialect.bind(ps, i++, b);
        return i;
    }

    /** Binds an id (or a conversation key) of {@code type}; a value of the wrong form is an error naming {@code field}. */
    static void bindId(PreparedStatement ps, int i, IdType type, String value, String field) throws SQLException {
        if (value == null) {
            ps.setNull(i, type == IdType.BIGINT ? Types.BIGINT : Types.VARCHAR);
            return;
        }
        switch (type) {
            case BIGINT -> {
                try {
                    ps.setLong(i, Long.parseLong(value));
                } catch (NumberFormatException e) {
                    throw new PermanentException(PermanentException.Kind.CONFIGURATION, field + ": \"" + value + "\" is not an integer id");
                }
            }
            case UUID -> {
                try {
                    ps.setString(i, UUID.fromString(value).toString());
                } catch (IllegalArgumentException e) {
                    throw new PermanentException(PermanentException.Kind.CONFIGURATION, field + ": \"" + value + "\" is not a UUID");
                }
            }
            case TEXT -> ps.setString(i, value);
        }
    }

    /**
     * An error of the database while {@code doing} something: retryable (with a fresh connection) when the dialect
     * says it is transient, else a configuration error.
     */
    RuntimeException error(String doing, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (dialect.transientError(e)) {
            closeQuietly();
            return new RetryableException("source_error", "source database error while " + doing + " (" + state + "): "
                    + redact(e.getMessage()), 0, null, e);
        }
        return new PermanentException(PermanentException.Kind.CONFIGURATION, "source database refused " + doing + " ("
                + state + "): " + redact(e.getMessage()), 0, null, e);
    }

    /** A driver's message with the password taken out. */
    String redact(String msg) {
        return Redaction.secret(msg, settings.password());
    }

    private void closeQuietly() {
        if (raw != null) {
            try {
                raw.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
            raw = null;
            conn = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
