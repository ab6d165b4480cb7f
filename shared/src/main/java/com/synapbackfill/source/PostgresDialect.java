package com.synapbackfill.source;

import com.synapbackfill.model.IdType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** PostgreSQL (and Aurora/RDS PostgreSQL), 12 and later. */
public final class PostgresDialect implements SqlDialect {
    private static final Pattern PLAN_ROWS = Pattern.compile("\"Plan Rows\":\\s*(\\d+)");

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public Properties connectionProperties(java.time.Duration socketTimeout) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "10"); // seconds
        // a connection that stops answering (a frozen network, a hung server) fails instead of hanging the worker for ever
        p.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        p.setProperty("loginTimeout", "20"); // the whole login, a server that accepts the connection and says nothing included
        p.setProperty("ApplicationName", "synap-backfill");
        return p;
    }

    @Override
    public void prepareSession(Connection c) throws SQLException {
        // timestamptz is read as OffsetDateTime, whatever the session's TimeZone. Every statement's transaction is read-only
        // (pgjdbc's setReadOnly applies only outside autocommit): a query source that slipped a write past the parser fails
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        }
    }

    @Override
    public Table describe(Connection c, String table) throws SQLException {
        return SqlDialect.describe(c, table, "SELECT c.column_name, c.udt_name, c.udt_name, t.table_type FROM information_schema.columns c "
                + "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                + "WHERE c.table_name = ? AND c.table_schema = coalesce(?, current_schema()) ORDER BY c.ordinal_position",
                (udt, same) -> kind(udt), false);
    }

    static Kind kind(String udt) {
        return switch (udt.toLowerCase(Locale.ROOT)) {
            case "int8", "int4", "int2", "serial", "bigserial", "smallserial", "serial8", "serial4", "serial2" -> Kind.INTEGER;
            case "uuid" -> Kind.UUID;
            case "text", "varchar", "bpchar", "name", "citext" -> Kind.TEXT;
            case "json", "jsonb" -> Kind.JSON;
            case "numeric", "float4", "float8" -> Kind.DECIMAL;
            case "timestamptz" -> Kind.TIMESTAMP_ZONED;
            case "timestamp" -> Kind.TIMESTAMP_LOCAL;
            default -> Kind.OTHER;
        };
    }

    @Override
    public Kind kindOf(String typeName, int precision) {
        return kind(typeName);
    }

    @Override
    public String quote(String identifier) {
        return Arrays.stream(identifier.split("\\.")).map(p -> '"' + p.replace("\"", "\"\"") + '"')
                .collect(Collectors.joining("."));
    }

    @Override
    public String param(IdType idType) {
        return idType == IdType.UUID ? "?::uuid" : idType == IdType.BIGINT ? "?::bigint" : "?";
    }

    @Override
    public String idText(String quotedColumn, IdType idType) {
        return quotedColumn + "::text";
    }

    @Override
    public String text(String quotedColumn, Column column) {
        return quotedColumn + "::text";
    }

    @Override
    public String jsonText(String quotedColumn, List<String> path) {
        return "(" + quotedColumn + "::jsonb #>> '{" + String.join(",", path) + "}')";
    }

    @Override
    public String byteLength(String expr) {
        return "octet_length(" + expr + ")";
    }

    @Override
    public String concat(String a, String b) {
        return "(" + a + " || " + b + ")";
    }

    @Override
    public String timestamp(String quotedColumn, Column column) {
        return quotedColumn;
    }

    @Override
    public Instant readTimestamp(ResultSet rs, int index, Column column, ZoneId zone) throws SQLException {
        if (column.kind() == Kind.TIMESTAMP_ZONED) {
            OffsetDateTime odt = rs.getObject(index, OffsetDateTime.class);
            if (odt == null) return null;
            try {
                return odt.toInstant();
            } catch (java.time.DateTimeException beyond) {
                // infinity / -infinity: the driver's MAX / MIN, past what an instant holds (an impossible time, said as such)
                return odt.getYear() > 0 ? Instant.MAX : Instant.MIN;
            }
        }
        LocalDateTime ldt = rs.getObject(index, LocalDateTime.class);
        if (ldt == null) return null;
        try {
            return ldt.atZone(zone).toInstant();
        } catch (java.time.DateTimeException beyond) {
            return ldt.getYear() > 0 ? Instant.MAX : Instant.MIN;
        }
    }

    @Override
    public Object timestampBind(Instant at, Column column, ZoneId zone) {
        return column.kind() == Kind.TIMESTAMP_ZONED ? at.atOffset(ZoneOffset.UTC) : LocalDateTime.ofInstant(at, zone);
    }

    @Override
    public void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value instanceof String s) ps.setObject(index, s, java.sql.Types.OTHER); // typed by the server, as a literal is
        else ps.setObject(index, value);
    }

    @Override
    public long estimateRows(Connection c, String table, String from, boolean derived) throws SQLException {
        if (!derived && table != null) {
            // reltuples is -1 before the first ANALYZE/VACUUM and absent for views: then the planner's own estimate
            try (PreparedStatement ps = c.prepareStatement("SELECT c.reltuples::bigint FROM pg_class c WHERE c.oid = to_regclass(?)")) {
                ps.setString(1, quote(table));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getLong(1) > 0) return rs.getLong(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN (FORMAT JSON) SELECT 1 FROM " + from);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            Matcher m = PLAN_ROWS.matcher(rs.getString(1));
            if (m.find()) return Math.max(1, Long.parseLong(m.group(1)));
        }
        return 1;
    }

    @Override
    public boolean blockSampling() {
        return true;
    }

    @Override
    public String sampleSql(String from, String key, IdType idType, double percent, boolean rowSampling) {
        String p = param(idType);
        String sampled = rowSampling
                ? from + " WHERE random() < " + (percent / 100.0) + " AND "
                : from + " TABLESAMPLE SYSTEM (" + percent + ") WHERE ";
        return "SELECT " + idText(key, idType) + " AS sb_id FROM " + sampled + key + " >= " + p + " AND " + key + " <= " + p + " ORDER BY " + key;
    }

    @Override
    public String fullScanPlan(Connection c, String sql, String alias, Binder binds) throws SQLException {
        // with sequential scans priced out, a Seq Scan left in the plan means no index can serve the query
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("SET enable_seqscan = off");
        }
        StringBuilder plan = new StringBuilder();
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
            binds.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) plan.append(rs.getString(1)).append('\n');
            }
        } finally {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("RESET enable_seqscan");
            }
        }
        // the pages' own table scanned, or any large table scanned wherever the plan nests it (a CTE, a subquery, a join)
        if (java.util.regex.Pattern.compile("Seq Scan on \\S+ " + alias + "\\b").matcher(plan).find()) return plan.toString().stripTrailing();
        java.util.regex.Matcher scan = java.util.regex.Pattern.compile("Seq Scan on \\S+(?: \\S+)?\\s+\\(cost=\\S+ rows=(\\d+)").matcher(plan);
        while (scan.find()) if (Long.parseLong(scan.group(1)) >= SqlDialect.LARGE_SCAN_ROWS) return plan.toString().stripTrailing();
        return null;
    }

    @Override
    public boolean uniqueIndex(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                + "AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indnkeyatts = 1 "
                + "AND i.indpred IS NULL AND a.attname = ?")) {
            ps.setString(1, quote(table));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public boolean transientError(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        // 08xxx connection, 40xxx rollback/serialization, 53xxx resources, 57xxx operator intervention
        return state.startsWith("08") || state.startsWith("40") || state.startsWith("53") || state.startsWith("57");
    }
}
