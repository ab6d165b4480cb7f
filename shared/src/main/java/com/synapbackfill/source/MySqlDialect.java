package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.IdType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * MySQL 8.0+, Aurora MySQL 3 and MariaDB 10.6+ ({@code jdbc:mysql:} through MySQL Connector/J,
 * {@code jdbc:mariadb:} through MariaDB Connector/J). What it does differently from PostgreSQL, for
 * faithfulness:
 * <ul>
 *   <li>{@code TIMESTAMP} is an instant: the session runs at {@code time_zone = '+00:00'} and reads it as UTC;
 *       {@code DATETIME} has no zone and is read in {@code source.timestampZone}. Both are selected as text
 *       ({@code DATE_FORMAT}), so no driver's time-zone conversion is involved; a zero date reads as missing.</li>
 *   <li>Text is read over a utf8mb4 connection whatever the server's defaults, so 4-byte characters (emoji)
 *       arrive byte-exact.</li>
 *   <li>Ids: integer types; {@code BINARY(16)} UUIDs (ordered by their bytes, read as canonical UUID text);
 *       {@code CHAR(36)}/{@code VARCHAR} ids (UUIDs among them) and MariaDB's {@code UUID} type are text ids,
 *       cut at sampled values in the column's own collation.</li>
 *   <li>No {@code TABLESAMPLE}: small tables are sampled with {@code RAND()}, large ones by index probes.</li>
 *   <li>Column names resolve case-insensitively, as MySQL resolves them.</li>
 * </ul>
 */
public final class MySqlDialect implements SqlDialect {
    /** Which driver the URL names; they take different connection properties. */
    public enum Driver { MYSQL, MARIADB }

    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    private static final Set<String> INTEGER = Set.of("tinyint", "smallint", "mediumint", "int", "integer", "bigint");
    private static final Set<String> TEXT = Set.of("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "uuid");
    /** MySQL error codes worth a retry: lock wait timeout, deadlock, too many connections, server gone, lost connection, interrupted. */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(1205, 1213, 1040, 2006, 2013, 1317, 1927);

    private final Driver driver;

    public MySqlDialect(Driver driver) {
        this.driver = driver;
    }

    @Override
    public String name() {
        return "MySQL/MariaDB";
    }

    @Override
    public Properties connectionProperties(java.time.Duration socketTimeout) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "10000"); // milliseconds, in both drivers
        // a connection that stops answering fails instead of hanging the worker for ever (milliseconds, in both drivers)
        p.setProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
        p.setProperty("connectionAttributes", "program_name:synap-backfill");
        // Connector/J 8+ maps UTF-8 to utf8mb4; MariaDB Connector/J always speaks utf8mb4
        if (driver == Driver.MYSQL) p.setProperty("characterEncoding", "UTF-8");
        // one statement per call, whatever the URL says (JdbcConnectionSettings refuses allowMultiQueries=true in it)
        p.setProperty("allowMultiQueries", "false");
        return p;
    }

    @Override
    public void beginReadOnly(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("START TRANSACTION READ ONLY");
        }
    }

    @Override
    public void prepareSession(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET time_zone = '+00:00'"); // TIMESTAMP columns then read as UTC
            st.execute("SET SESSION TRANSACTION READ ONLY"); // every statement's transaction: a query source cannot write
            try (ResultSet rs = st.executeQuery("SELECT @@character_set_client, @@character_set_results")) {
                rs.next();
                for (int i = 1; i <= 2; i++) {
                    String cs = rs.getString(i);
                    // results NULL: the server sends each column in its own character set and the driver decodes it (Connector/J)
                    if (cs == null && i == 2) continue;
                    if (cs == null || !cs.toLowerCase(Locale.ROOT).startsWith("utf8mb4"))
                        throw new PermanentException(PermanentException.Kind.CONFIGURATION, "SOURCE_JDBC_URL: the connection's character set is "
                                + cs + ", which cannot carry 4-byte characters (emoji) byte-exact; it must be utf8mb4: remove "
                                + "characterEncoding/characterSetResults/connectionCollation from the URL (synap-backfill asks for utf8mb4)");
                }
            }
        }
    }

    @Override
    public Table describe(Connection c, String table) throws SQLException {
        return SqlDialect.describe(c, table, "SELECT c.column_name, c.column_type, c.data_type, t.table_type FROM information_schema.columns c "
                + "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                + "WHERE c.table_name = ? AND c.table_schema = COALESCE(?, DATABASE()) ORDER BY c.ordinal_position",
                (columnType, dataType) -> kind(dataType, columnType), true);
    }

    static Kind kind(String dataType, String columnType) {
        String t = dataType.toLowerCase(Locale.ROOT);
        if (INTEGER.contains(t)) return Kind.INTEGER;
        if (TEXT.contains(t)) return Kind.TEXT;
        return switch (t) {
            case "json" -> Kind.JSON;
            case "binary" -> columnType.toLowerCase(Locale.ROOT).equals("binary(16)") ? Kind.UUID : Kind.OTHER;
            case "timestamp" -> Kind.TIMESTAMP_ZONED;
            case "datetime" -> Kind.TIMESTAMP_LOCAL;
            case "decimal", "double", "float" -> Kind.DECIMAL;
            default -> Kind.OTHER;
        };
    }

    @Override
    public Kind kindOf(String typeName, int precision) {
        String t = typeName.toLowerCase(Locale.ROOT).split("[ (]")[0];
        return kind(t, t + "(" + precision + ")");
    }

    @Override
    public String quote(String identifier) {
        return Arrays.stream(identifier.split("\\.")).map(p -> '`' + p.replace("`", "``") + '`').collect(Collectors.joining("."));
    }

    @Override
    public String param(IdType idType) {
        return idType == IdType.UUID ? "UNHEX(REPLACE(?, '-', ''))" : "?";
    }

    @Override
    public String idText(String quotedColumn, IdType idType) {
        if (idType == IdType.UUID)
            return "LOWER(INSERT(INSERT(INSERT(INSERT(HEX(" + quotedColumn + "), 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), 24, 0, '-'))";
        return quotedColumn;
    }

    @Override
    public String text(String quotedColumn, Column column) {
        return column.kind() == Kind.UUID ? idText(quotedColumn, IdType.UUID) : quotedColumn;
    }

    @Override
    public String jsonText(String quotedColumn, List<String> path) {
        StringBuilder p = new StringBuilder("'$");
        for (String seg : path) p.append(seg.chars().allMatch(Character::isDigit) ? "[" + seg + "]" : ".\"" + seg + "\"");
        String extract = "JSON_EXTRACT(" + quotedColumn + ", " + p + "')";
        // JSON null unquotes to the text 'null': it is no value
        return "(CASE WHEN JSON_TYPE(" + extract + ") = 'NULL' THEN NULL ELSE JSON_UNQUOTE(" + extract + ") END)";
    }

    @Override
    public String byteLength(String expr) {
        return "LENGTH(" + expr + ")";
    }

    @Override
    public String concat(String a, String b) {
        return "CONCAT(" + a + ", " + b + ")";
    }

    @Override
    public String timestamp(String quotedColumn, Column column) {
        return "DATE_FORMAT(" + quotedColumn + ", '%Y-%m-%d %H:%i:%s.%f')";
    }

    @Override
    public Instant readTimestamp(ResultSet rs, int index, Column column, ZoneId zone) throws SQLException {
        String s = rs.getString(index);
        if (s == null) return null;
        LocalDateTime ldt;
        try {
            ldt = LocalDateTime.parse(s, TEXT_TIME);
        } catch (DateTimeParseException e) {
            return null; // '0000-00-00 00:00:00' and other zero dates: no time, a bad row
        }
        return column.kind() == Kind.TIMESTAMP_ZONED ? ldt.toInstant(ZoneOffset.UTC) : ldt.atZone(zone).toInstant();
    }

    @Override
    public Object timestampBind(Instant at, Column column, ZoneId zone) {
        LocalDateTime ldt = LocalDateTime.ofInstant(at, column.kind() == Kind.TIMESTAMP_ZONED ? ZoneOffset.UTC : zone);
        return TEXT_TIME.format(ldt);
    }

    @Override
    public void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value instanceof String s) ps.setString(index, s);
        else ps.setObject(index, value);
    }

    @Override
    public long estimateRows(Connection c, String table, String from, boolean derived) throws SQLException {
        // EXPLAIN's estimate comes from InnoDB's statistics and is fresh; information_schema.tables may be cached for a day
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN SELECT 1 FROM " + from); ResultSet rs = ps.executeQuery()) {
            long rows = 0;
            while (rs.next()) rows = Math.max(rows, rs.getLong("rows"));
            if (rows > 0) return rows;
        }
        if (table == null) return 1;
        String[] parts = table.split("\\.");
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT table_rows FROM information_schema.tables WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())")) {
            ps.setString(1, parts.length == 2 ? parts[1] : parts[0]);
            ps.setString(2, parts.length == 2 ? parts[0] : null);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getLong(1) > 0) return rs.getLong(1);
            }
        }
        return 1;
    }

    @Override
    public boolean blockSampling() {
        return false;
    }

    @Override
    public String sampleSql(String from, String key, IdType idType, double percent, boolean rowSampling) {
        String p = param(idType);
        return "SELECT " + idText(key, idType) + " AS sb_id FROM " + from + " WHERE RAND() < " + (percent / 100.0)
                + " AND " + key + " >= " + p + " AND " + key + " <= " + p + " ORDER BY " + key;
    }

    @Override
    public String fullScanPlan(Connection c, String sql, String alias, Binder binds) throws SQLException {
        StringBuilder plan = new StringBuilder();
        boolean unindexed = false;
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
            binds.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                java.sql.ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    StringBuilder line = new StringBuilder();
                    for (int i = 1; i <= md.getColumnCount(); i++) line.append(i == 1 ? "" : " | ").append(md.getColumnLabel(i)).append('=').append(rs.getString(i));
                    plan.append(line).append('\n');
                    boolean all = "ALL".equalsIgnoreCase(rs.getString("type")) && rs.getString("possible_keys") == null;
                    // the pages' own table scanned, or any large table scanned wherever the plan nests it
                    if (all && rs.getString("table") != null && rs.getString("table").matches(alias)) unindexed = true;
                    if (all && rs.getLong("rows") >= SqlDialect.LARGE_SCAN_ROWS) unindexed = true;
                }
            }
        }
        return unindexed ? plan.toString().stripTrailing() : null;
    }

    @Override
    public boolean uniqueIndex(Connection c, String table, String column) throws SQLException {
        String[] parts = table.split("\\.");
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.statistics s WHERE s.table_schema = COALESCE(?, DATABASE()) "
                + "AND s.table_name = ? AND s.non_unique = 0 AND s.seq_in_index = 1 AND LOWER(s.column_name) = LOWER(?) AND NOT EXISTS "
                + "(SELECT 1 FROM information_schema.statistics t WHERE t.table_schema = s.table_schema AND t.table_name = s.table_name "
                + "AND t.index_name = s.index_name AND t.seq_in_index = 2)")) {
            ps.setString(1, parts.length == 2 ? parts[0] : null);
            ps.setString(2, parts.length == 2 ? parts[1] : parts[0]);
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public boolean transientError(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return e instanceof SQLTransientException || e instanceof SQLRecoverableException || state.startsWith("08")
                || state.startsWith("40") || TRANSIENT_CODES.contains(e.getErrorCode());
    }
}
