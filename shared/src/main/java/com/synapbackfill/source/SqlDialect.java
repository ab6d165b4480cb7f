package com.synapbackfill.source;

import com.synapbackfill.model.IdType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Everything that differs between databases: every catalog lookup, every cast, every bind and every SQL
 * string that is not plain SQL. {@link JdbcTurnSource} holds no database's own text; it asks here. One
 * implementation per family: {@link PostgresDialect} (PostgreSQL, Aurora/RDS PostgreSQL) and
 * {@link MySqlDialect} (MySQL, Aurora MySQL, MariaDB), chosen from the JDBC URL by {@link #forUrl}.
 * Identifiers reach here already validated by {@link SqlIdentifiers}; values are always bound.
 */
public interface SqlDialect {

    /** What a column holds, as far as reading turns is concerned. */
    enum Kind {
        /** any integer type */
        INTEGER,
        /** a UUID stored as such (PostgreSQL uuid, MySQL BINARY(16)): ordered by its 128-bit value */
        UUID,
        /** character data */
        TEXT,
        /** json/jsonb (read as its text) */
        JSON,
        /** a point in time (timestamptz, MySQL TIMESTAMP) */
        TIMESTAMP_ZONED,
        /** a wall-clock time read in {@code source.timestampZone} (timestamp, MySQL DATETIME) */
        TIMESTAMP_LOCAL,
        /** numeric, decimal, float (an order column may be one; an epoch time may be one) */
        DECIMAL,
        /** float, boolean, binary, ... */
        OTHER
    }

    /** One column of the source table as the catalog describes it. */
    record Column(String name, String type, Kind kind) {
    }

    /**
     * The table's columns in catalog order and whether it is a view; no columns when the table is not found
     * or not visible. With {@code caseInsensitive} (MySQL) the keys are lower case and names resolve as the
     * database resolves them.
     */
    record Table(Map<String, Column> columns, boolean view, boolean caseInsensitive) {
        /** The column named {@code name}, or null. */
        public Column column(String name) {
            return columns.get(caseInsensitive ? name.toLowerCase(java.util.Locale.ROOT) : name);
        }

        /** The columns' names as the catalog spells them. */
        public List<String> names() {
            return columns.values().stream().map(Column::name).toList();
        }
    }

    /** The family's name for messages ("PostgreSQL", "MySQL/MariaDB"). */
    String name();

    /**
     * Driver properties for a connection (timeouts, client name, character set); user/password are added by the caller.
     * {@code socketTimeout}: a connection silent that long (a frozen network, a hung server) fails instead of hanging.
     */
    Properties connectionProperties(java.time.Duration socketTimeout);

    /** Session settings after connecting (time zone for TIMESTAMP reads, ...). */
    void prepareSession(Connection c) throws SQLException;

    /**
     * Starts the read-only transaction the next statements run in, on a connection out of autocommit. PostgreSQL's driver
     * begins every transaction {@code BEGIN READ ONLY} itself (setReadOnly outside autocommit); MySQL and MariaDB are
     * told {@code START TRANSACTION READ ONLY}. Either way it is the transaction, not a session default a query could flip.
     */
    default void beginReadOnly(Connection c) throws SQLException {
    }

    /** Reads the catalog for {@code table} or {@code schema.table}. */
    Table describe(Connection c, String table) throws SQLException;

    /** The kind of a query's result column, from the driver's type name (and precision: MySQL's BINARY(16)). */
    Kind kindOf(String typeName, int precision);

    /**
     * A query's result columns, as {@link #describe} describes a table's: the query runs as a derived table that
     * returns no row. A query whose columns repeat a name is refused: a field must name one column.
     */
    default Table describeQuery(Connection c, String query) throws SQLException {
        Map<String, Column> columns = new java.util.LinkedHashMap<>();
        boolean ci = this instanceof MySqlDialect;
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM (" + query + ") sb_q WHERE 1 = 0")) {
            java.sql.ResultSetMetaData md = ps.getMetaData() != null ? ps.getMetaData() : ps.executeQuery().getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                String name = md.getColumnLabel(i);
                String type = md.getColumnTypeName(i);
                Kind kind = kindOf(type, md.getPrecision(i));
                // the driver's own word for the type when its name says nothing we know (a SERIAL reported as "serial")
                if (kind == Kind.OTHER) kind = kindOfJdbcType(md.getColumnType(i), kind);
                Column col = new Column(name, type.toLowerCase(java.util.Locale.ROOT), kind);
                if (columns.put(ci ? name.toLowerCase(java.util.Locale.ROOT) : name, col) != null)
                    throw new IllegalArgumentException("source.query: returns two columns named \"" + name + "\"; give each column its own name (AS ...)");
            }
        }
        return new Table(columns, true, ci);
    }

    /** Rows from which a table scanned on every page is worth a warning wherever the plan nests the scan (the planner's estimate). */
    long LARGE_SCAN_ROWS = 10_000;

    /** The kind of a {@link java.sql.Types} code, or {@code otherwise}. */
    static Kind kindOfJdbcType(int jdbcType, Kind otherwise) {
        return switch (jdbcType) {
            case java.sql.Types.BIGINT, java.sql.Types.INTEGER, java.sql.Types.SMALLINT, java.sql.Types.TINYINT -> Kind.INTEGER;
            case java.sql.Types.VARCHAR, java.sql.Types.CHAR, java.sql.Types.LONGVARCHAR, java.sql.Types.NVARCHAR, java.sql.Types.NCHAR,
                 java.sql.Types.LONGNVARCHAR, java.sql.Types.CLOB, java.sql.Types.NCLOB -> Kind.TEXT;
            case java.sql.Types.NUMERIC, java.sql.Types.DECIMAL, java.sql.Types.DOUBLE, java.sql.Types.FLOAT, java.sql.Types.REAL -> Kind.DECIMAL;
            case java.sql.Types.TIMESTAMP -> Kind.TIMESTAMP_LOCAL;
            case java.sql.Types.TIMESTAMP_WITH_TIMEZONE -> Kind.TIMESTAMP_ZONED;
            default -> otherwise;
        };
    }

    /** Quotes a validated identifier (or schema.table). */
    String quote(String identifier);

    /** The id type a column of this kind is sharded as, or null when it cannot be an id. */
    default IdType idType(Column column) {
        return switch (column.kind()) {
            case INTEGER -> IdType.BIGINT;
            case UUID -> IdType.UUID;
            case TEXT -> IdType.TEXT;
            default -> null;
        };
    }

    /** A bound id parameter ({@code ?::uuid}, {@code UNHEX(...)}), for an id column of {@code idType}. */
    String param(IdType idType);

    /** The id column's value as canonical text (what shards, checkpoints and failure rows hold). */
    String idText(String quotedColumn, IdType idType);

    /** Any other column's value as text ({@code col::text}). */
    String text(String quotedColumn, Column column);

    /**
     * The text of the JSON value at {@code path} (object keys, or array indexes when all digits) inside a json column,
     * SQL NULL for JSON null or nothing there: a conversation key computed in SQL, so that pages can be read by it.
     * Path segments are checked ({@link #SAFE_JSON_SEGMENT}) before they get here.
     */
    String jsonText(String quotedColumn, List<String> path);

    /** Segments a JSON path in SQL may have: they are written into the statement, not bound. */
    java.util.regex.Pattern SAFE_JSON_SEGMENT = java.util.regex.Pattern.compile("[A-Za-z0-9_\\-]{1,64}");

    /** The length in bytes of a text value ({@code octet_length}, MySQL's {@code LENGTH}). */
    String byteLength(String expr);

    /** {@code a || b} or {@code CONCAT(a, b)}. */
    String concat(String a, String b);

    /** A timestamp column, as {@link #readTimestamp} reads it. */
    String timestamp(String quotedColumn, Column column);

    /** Reads what {@link #timestamp} selected at {@code index}; null when SQL NULL (or not a real date). */
    Instant readTimestamp(ResultSet rs, int index, Column column, ZoneId zone) throws SQLException;

    /** The value to bind when comparing {@code column} with {@code at} ({@code --since}, {@code --until}). */
    Object timestampBind(Instant at, Column column, ZoneId zone);

    /** Binds one value of a rendered filter or a timestamp bound. */
    void bind(PreparedStatement ps, int index, Object value) throws SQLException;

    /**
     * The planner's row estimate, from statistics only (never a COUNT); at least 1: of {@code table} (a table's own
     * statistics when it is not {@code derived}), or of the relation {@code from} (a view or a query: the
     * database's plan).
     */
    long estimateRows(Connection c, String table, String from, boolean derived) throws SQLException;

    /**
     * Whether the database can sample table pages ({@code TABLESAMPLE SYSTEM}): then {@link #sampleSql} with
     * {@code rowSampling=false} reads only a share of the pages. Without it, large tables are sampled by
     * index probes (see {@link IdSampler}).
     */
    boolean blockSampling();

    /**
     * A sample of the shard key {@code key} (an expression over {@code from}: a quoted table, optionally aliased),
     * about {@code percent} of the rows, bounded by two key params, in key order. {@code rowSampling} asks for a
     * per-row coin flip (reads every row in the bounds).
     */
    String sampleSql(String from, String key, IdType idType, double percent, boolean rowSampling);

    /** Binds a prepared statement's parameters. */
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /**
     * The database's plan for {@code sql} when it would read a table whose alias matches the regular expression
     * {@code alias} without an index (a full scan and sort on every page), else null.
     */
    String fullScanPlan(Connection c, String sql, String alias, Binder binds) throws SQLException;

    /** Whether {@code table} has a unique index (or primary key) on {@code column} alone. */
    boolean uniqueIndex(Connection c, String table, String column) throws SQLException;

    /** Whether the error is worth a retry with a fresh connection (connection lost, deadlock, resources). */
    boolean transientError(SQLException e);

    /**
     * Runs a catalog query taking (table, schema or null) whose rows are (column name, type as shown to the user,
     * type that decides the kind, table type), in column order.
     */
    static Table describe(Connection c, String table, String sql, java.util.function.BiFunction<String, String, Kind> kind,
                          boolean caseInsensitive) throws SQLException {
        String[] parts = table.split("\\.");
        Map<String, Column> columns = new java.util.LinkedHashMap<>();
        boolean view = false;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parts.length == 2 ? parts[1] : parts[0]);
            ps.setString(2, parts.length == 2 ? parts[0] : null);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    columns.put(caseInsensitive ? name.toLowerCase(java.util.Locale.ROOT) : name,
                            new Column(name, rs.getString(2), kind.apply(rs.getString(2), rs.getString(3))));
                    view = "VIEW".equals(rs.getString(4));
                }
            }
        }
        return new Table(columns, view, caseInsensitive);
    }

    /** The dialect for a JDBC URL, or an error naming the setting and the supported schemes. */
    static SqlDialect forUrl(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) return new PostgresDialect();
        if (jdbcUrl.startsWith("jdbc:mysql:")) return new MySqlDialect(MySqlDialect.Driver.MYSQL);
        if (jdbcUrl.startsWith("jdbc:mariadb:")) return new MySqlDialect(MySqlDialect.Driver.MARIADB);
        throw new IllegalArgumentException("SOURCE_JDBC_URL: unsupported database in \"" + JdbcConnectionSettings.redactUrl(jdbcUrl)
                + "\"; supported: " + String.join(", ", SUPPORTED));
    }

    /** The URL schemes {@link #forUrl} accepts. */
    List<String> SUPPORTED = List.of("jdbc:postgresql:", "jdbc:mysql:", "jdbc:mariadb:");
}
