package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * {@link TurnSource} over JDBC: one connection, opened on first use, checked and reopened when broken, closed
 * by {@link #close()}. Configuration is validated against the catalog on first use, and every error names
 * the setting that is wrong. Not thread-safe by design: one instance per worker.
 */
public final class JdbcTurnSource implements TurnSource {
    private static final int SAMPLE_FLOOR = 2_000;
    private static final java.util.regex.Pattern PLAN_ROWS = java.util.regex.Pattern.compile("\"Plan Rows\":\\s*(\\d+)");

    private final JdbcConnectionSettings connection;
    private final SourceConfig config;
    private final SqlDialect dialect;
    private final ZoneId zone;
    private Connection conn;
    private Catalog catalog;
    private SourceProfile profile; // bounds and estimate, read once: planning asks for them twice

    public JdbcTurnSource(JdbcConnectionSettings connection, SourceConfig config) {
        this.connection = connection;
        this.config = config;
        this.dialect = connection.dialect();
        this.zone = config.zone();
    }

    /**
     * Column facts read once from the catalog, and the SQL built from them: the select list (with its own bound
     * values, when a filter or cutover decides per row whether its text is read at all).
     */
    private record Catalog(IdType idType, boolean createdAtHasZone, boolean isView, String selectList, List<Object> selectBinds) {
    }

    // ---------------------------------------------------------------- connection and validation

    private Connection conn() {
        try {
            if (conn != null && !conn.isClosed() && conn.isValid(2)) return conn;
            closeQuietly();
            Properties p = new Properties();
            p.setProperty("user", connection.user());
            if (connection.password() != null) p.setProperty("password", connection.password());
            p.setProperty("connectTimeout", "10");
            p.setProperty("ApplicationName", "synap-backfill");
            conn = DriverManager.getConnection(connection.jdbcUrl(), p);
            conn.setReadOnly(true);
            return conn;
        } catch (SQLException e) {
            conn = null;
            throw new RetryableException("source_unreachable", "SOURCE_JDBC_URL: cannot connect to the source database ("
                    + e.getSQLState() + "): " + redact(e.getMessage()), 0, null, e);
        }
    }

    private static final String MAPPING_HINT = " (map it with --column FIELD=COLUMN, or columns.FIELD in the config file or start event)";

    private Catalog catalog() {
        if (catalog != null) return catalog;
        String[] parts = config.table().split("\\.");
        String schema = parts.length == 2 ? parts[0] : null;
        String table = parts.length == 2 ? parts[1] : parts[0];
        Map<String, String> types = new LinkedHashMap<>();
        boolean view = false;
        try (PreparedStatement ps = conn().prepareStatement(
                "SELECT c.column_name, c.udt_name, t.table_type FROM information_schema.columns c "
                        + "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                        + "WHERE c.table_name = ? AND c.table_schema = coalesce(?, current_schema()) ORDER BY c.ordinal_position")) {
            ps.setString(1, table);
            ps.setString(2, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                    view = "VIEW".equals(rs.getString(3));
                }
            }
        } catch (SQLException e) {
            throw sqlError("reading the catalog", e);
        }
        if (types.isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.table: table or view \"" + config.table()
                    + "\" not found (or not visible to user " + connection.user() + ")");
        // every problem at once: a user fixing a mapping should not meet them one run at a time
        ColumnMapping c = config.columns();
        List<String> problems = new ArrayList<>();
        String idUdt = require(types, "id", c.id(), problems);
        IdType idType = idUdt == null ? null : dialect.idType(idUdt);
        if (idUdt != null && idType == null)
            problems.add("columns.id: column \"" + c.id() + "\" has type " + idUdt + "; supported id types: bigint/integer/smallint, uuid, text/varchar");
        require(types, "userId", c.userId(), problems);
        // a B2C table has no customer column: the default name may be absent; a mapped one must exist
        String customer = c.customerId().isEmpty() || (c.customerId().equals("customer_id") && !types.containsKey("customer_id"))
                ? null : c.customerId();
        if (customer != null) require(types, "customerId", customer, problems);
        require(types, "conversationId", c.conversationId(), problems);
        String mi = require(types, "messageIndex", c.messageIndex(), problems);
        if (mi != null && !List.of("int2", "int4", "int8", "numeric").contains(mi))
            problems.add("columns.messageIndex: column \"" + c.messageIndex() + "\" has type " + mi + "; it must be an integer type");
        textual(types, "userText", c.userText(), problems);
        textual(types, "assistantText", c.assistantText(), problems);
        String ts = require(types, "createdAt", c.createdAt(), problems);
        if (ts != null && !List.of("timestamptz", "timestamp").contains(ts))
            problems.add("columns.createdAt: column \"" + c.createdAt() + "\" has type " + ts + "; it must be timestamp or timestamptz");
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = new LinkedHashMap<>();
        if (filter != null) {
            for (String col : filter.columns()) {
                String actual = types.containsKey(col) ? col : types.containsKey(col.toLowerCase(Locale.ROOT)) ? col.toLowerCase(Locale.ROOT) : null;
                if (actual == null) problems.add("source.filter: column \"" + col + "\" not found");
                else filterColumns.put(col, actual);
            }
        }
        if (!problems.isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source " + config.table() + ": "
                    + String.join("; ", problems) + ". The table has " + types.keySet()
                    + (problems.stream().anyMatch(p -> !p.startsWith("source.filter")) ? MAPPING_HINT : ""));
        boolean hasZone = ts.equals("timestamptz");

        // which rows of the id range the run takes: the filter and the cutover; the rest are read as ids only
        List<Object> predBinds = new ArrayList<>();
        List<String> pred = new ArrayList<>();
        if (filter != null) {
            SourceFilter.Rendered r = filter.render(col -> dialect.quote(filterColumns.get(col)));
            pred.add("COALESCE((" + r.sql() + "), FALSE)");
            predBinds.addAll(r.binds());
        }
        String created = dialect.quote(c.createdAt());
        if (config.sinceInstant() != null) {
            pred.add("(" + created + " IS NULL OR " + created + " >= ?)");
            predBinds.add(timestampBind(config.sinceInstant(), hasZone));
        }
        if (config.untilInstant() != null) {
            pred.add("(" + created + " IS NULL OR " + created + " < ?)");
            predBinds.add(timestampBind(config.untilInstant(), hasZone));
        }
        String included = pred.isEmpty() ? null : String.join(" AND ", pred);
        if (included != null) checkFilter(included, predBinds);
        List<Object> selectBinds = new ArrayList<>();
        // Output columns are aliased: an unaliased "id"::text would be named "id", and ORDER BY "id" would then
        // sort by the text (PostgreSQL resolves ORDER BY names to output columns first), breaking keyset reads.
        String userText = dialect.quote(c.userText());
        String assistantText = dialect.quote(c.assistantText());
        String flag = "TRUE";
        if (included != null) {
            // the text of a row left out is never read (not even detoasted)
            flag = "(" + included + ")";
            userText = "CASE WHEN " + flag + " THEN " + userText + " END";
            selectBinds.addAll(predBinds);
            assistantText = "CASE WHEN " + flag + " THEN " + assistantText + " END";
            selectBinds.addAll(predBinds);
            selectBinds.addAll(predBinds); // the flag itself, last in the list
        }
        String select = String.join(", ", dialect.quote(c.id()) + "::text AS sb_id", dialect.quote(c.userId()) + "::text AS sb_user",
                (customer == null ? "NULL" : dialect.quote(customer) + "::text") + " AS sb_customer",
                dialect.quote(c.conversationId()) + "::text AS sb_conversation", dialect.quote(c.messageIndex()) + " AS sb_index",
                userText + " AS sb_user_text", assistantText + " AS sb_assistant_text",
                dialect.quote(c.createdAt()) + " AS sb_created_at", flag + " AS sb_included");
        catalog = new Catalog(idType, hasZone, view, select, List.copyOf(selectBinds));
        return catalog;
    }

    private Object timestampBind(Instant at, boolean hasZone) {
        return hasZone ? at.atOffset(java.time.ZoneOffset.UTC) : LocalDateTime.ofInstant(at, zone);
    }

    /** The database's own check of the filter (types, operators) on a query that reads no row. */
    private void checkFilter(String predicate, List<Object> binds) {
        try (PreparedStatement ps = conn().prepareStatement("SELECT 1 FROM " + dialect.quote(config.table()) + " WHERE " + predicate + " LIMIT 0")) {
            bindAll(ps, 1, binds);
            ps.executeQuery().close();
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("08")) throw sqlError("checking the filter", e);
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.filter: the database refused \""
                    + config.filter() + "\" (" + state + "): " + redact(e.getMessage()), 0, null, e);
        }
    }

    private int bindAll(PreparedStatement ps, int from, List<Object> binds) throws SQLException {
        int i = from;
        for (Object b : binds) {
            if (b instanceof String str) ps.setObject(i++, str, java.sql.Types.OTHER); // typed by the server, as a literal is
            else if (b instanceof LocalDateTime ldt) ps.setObject(i++, ldt);
            else ps.setObject(i++, b);
        }
        return i;
    }

    private static String require(Map<String, String> types, String field, String column, List<String> problems) {
        String t = types.get(column);
        if (t == null) problems.add("columns." + field + ": column \"" + column + "\" not found");
        return t;
    }

    private static void textual(Map<String, String> types, String field, String column, List<String> problems) {
        String t = require(types, field, column, problems);
        if (t != null && !List.of("text", "varchar", "bpchar", "json", "jsonb").contains(t))
            problems.add("columns." + field + ": column \"" + column + "\" has type " + t + "; it must be text or varchar");
    }

    // ---------------------------------------------------------------- planning

    @Override
    public SourceProfile profile() {
        if (profile == null) profile = readProfile();
        return profile;
    }

    private SourceProfile readProfile() {
        Catalog cat = catalog();
        String id = dialect.quote(config.columns().id());
        String p = dialect.param(cat.idType());
        // ORDER BY ... LIMIT 1 rather than min()/max(): index-backed for every id type (PostgreSQL has no min(uuid))
        String where = " FROM " + dialect.quote(config.table()) + " WHERE (" + p + " IS NULL OR " + id + " >= " + p
                + ") AND (" + p + " IS NULL OR " + id + " <= " + p + ") ORDER BY " + id;
        String sql = "SELECT (SELECT " + id + "::text AS sb_lo" + where + " LIMIT 1), (SELECT " + id + "::text AS sb_hi"
                + where + " DESC LIMIT 1)";
        String min;
        String max;
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            for (int k = 0; k < 8; k += 4) {
                bindId(ps, k + 1, cat.idType(), config.fromId(), "source.fromId");
                bindId(ps, k + 2, cat.idType(), config.fromId(), "source.fromId");
                bindId(ps, k + 3, cat.idType(), config.toId(), "source.toId");
                bindId(ps, k + 4, cat.idType(), config.toId(), "source.toId");
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                min = rs.getString(1);
                max = rs.getString(2);
            }
        } catch (SQLException e) {
            throw sqlError("reading the id bounds", e);
        }
        if (min == null) return new SourceProfile(cat.idType(), null, null, 0);
        long estimate = estimate(cat);
        if ((config.fromId() != null || config.toId() != null) && cat.idType() == IdType.BIGINT) {
            // statistics describe the whole table: scale to the slice by id span (uniform ids assumed; the
            // planner's sample corrects the cuts, this only sets how many shards there are)
            String[] full = fullBounds(cat);
            double fullSpan = Double.parseDouble(full[1]) - Double.parseDouble(full[0]) + 1;
            double sliceSpan = Double.parseDouble(max) - Double.parseDouble(min) + 1;
            estimate = Math.max(1, Math.round(estimate * Math.min(1.0, sliceSpan / fullSpan)));
        }
        return new SourceProfile(cat.idType(), min, max, estimate);
    }

    private String[] fullBounds(Catalog cat) {
        String id = dialect.quote(config.columns().id());
        String from = " FROM " + dialect.quote(config.table()) + " ORDER BY " + id;
        try (PreparedStatement ps = conn().prepareStatement("SELECT (SELECT " + id + "::text AS sb_lo" + from + " LIMIT 1), (SELECT "
                + id + "::text AS sb_hi" + from + " DESC LIMIT 1)"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        } catch (SQLException e) {
            throw sqlError("reading the table's id bounds", e);
        }
    }

    private long estimate(Catalog cat) {
        try {
            if (!cat.isView()) {
                try (PreparedStatement ps = conn().prepareStatement(dialect.estimateSql(config.table()))) {
                    ps.setString(1, dialect.quote(config.table()));
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getLong(1) > 0) return rs.getLong(1);
                    }
                }
            }
            // never analyzed, or a view: the planner's own estimate
            try (PreparedStatement ps = conn().prepareStatement("EXPLAIN (FORMAT JSON) SELECT 1 FROM " + dialect.quote(config.table()));
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                java.util.regex.Matcher m = PLAN_ROWS.matcher(rs.getString(1));
                if (m.find()) return Math.max(1, Long.parseLong(m.group(1)));
            }
        } catch (SQLException | NumberFormatException e) {
            // fall through
        }
        return 1;
    }

    @Override
    public List<String> sampleIds(int n) {
        Catalog cat = catalog();
        SourceProfile profile = profile();
        if (profile.empty()) return List.of();
        double percent = Math.min(100.0, Math.max(0.01, 100.0 * Math.max(n, SAMPLE_FLOOR) / Math.max(1, profile.estimatedRows())));
        List<String> ids = sample(cat, profile, percent, cat.isView());
        if (ids.size() < Math.min(n, profile.estimatedRows()) / 4 && !cat.isView()) {
            // block sampling found too little (small or clustered table): sample rows instead
            ids = sample(cat, profile, percent, true);
        }
        return ids;
    }

    private List<String> sample(Catalog cat, SourceProfile profile, double percent, boolean rowSampling) {
        String sql = dialect.sampleSql(config.table(), config.columns().id(), cat.idType(), percent, rowSampling);
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            bindId(ps, 1, cat.idType(), profile.minId(), "source.fromId");
            bindId(ps, 2, cat.idType(), profile.maxId(), "source.toId");
            ps.setFetchSize(5_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw sqlError("sampling ids", e);
        }
        return ids;
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<Turn> readPage(Shard shard, String afterExclusive, int limit) {
        Catalog cat = catalog();
        if (cat.idType() != shard.idType())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: the id column is now "
                    + cat.idType() + " but the run was planned for " + shard.idType());
        String id = dialect.quote(config.columns().id());
        String p = dialect.param(cat.idType());
        boolean fromStart = afterExclusive == null;
        String lower = fromStart && !shard.loExclusive() ? id + " >= " + p : id + " > " + p;
        String sql = "SELECT " + cat.selectList() + " FROM " + dialect.quote(config.table()) + " WHERE " + lower
                + " AND " + id + " <= " + p + " ORDER BY " + id + " LIMIT ?";
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            int i = bindAll(ps, 1, cat.selectBinds());
            bindId(ps, i, cat.idType(), fromStart ? shard.lo() : afterExclusive, "checkpoint");
            bindId(ps, i + 1, cat.idType(), shard.hi(), "shard.hi");
            ps.setInt(i + 2, limit);
            ps.setFetchSize(limit);
            return readTurns(ps, cat);
        } catch (SQLException e) {
            throw sqlError("reading shard " + shard.shardNo(), e);
        }
    }

    @Override
    public List<Turn> readByIds(List<String> ids) {
        if (ids.isEmpty()) return List.of();
        Catalog cat = catalog();
        String id = dialect.quote(config.columns().id());
        String arrayType = switch (cat.idType()) {
            case BIGINT -> "bigint[]";
            case UUID -> "uuid[]";
            case TEXT -> "text[]";
        };
        String sql = "SELECT " + cat.selectList() + " FROM " + dialect.quote(config.table()) + " WHERE " + id
                + " = ANY(?::" + arrayType + ") ORDER BY " + id;
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            int i = bindAll(ps, 1, cat.selectBinds());
            ps.setArray(i, conn().createArrayOf("text", ids.toArray()));
            return readTurns(ps, cat);
        } catch (SQLException e) {
            throw sqlError("re-reading rows by id", e);
        }
    }

    @Override
    public long countRows(Shard shard) {
        Catalog cat = catalog();
        String id = dialect.quote(config.columns().id());
        String p = dialect.param(cat.idType());
        String sql = "SELECT count(*) FROM " + dialect.quote(config.table()) + " WHERE " + id
                + (shard.loExclusive() ? " > " : " >= ") + p + " AND " + id + " <= " + p;
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            bindId(ps, 1, cat.idType(), shard.lo(), "shard.lo");
            bindId(ps, 2, cat.idType(), shard.hi(), "shard.hi");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw sqlError("counting shard " + shard.shardNo(), e);
        }
    }

    private List<Turn> readTurns(PreparedStatement ps, Catalog cat) throws SQLException {
        List<Turn> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long mi = rs.getLong(5);
                Long messageIndex = rs.wasNull() ? null : mi;
                Instant created;
                if (cat.createdAtHasZone()) {
                    OffsetDateTime odt = rs.getObject(8, OffsetDateTime.class);
                    created = odt == null ? null : odt.toInstant();
                } else {
                    LocalDateTime ldt = rs.getObject(8, LocalDateTime.class);
                    created = ldt == null ? null : ldt.atZone(zone).toInstant();
                }
                out.add(new Turn(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), messageIndex,
                        rs.getString(6), rs.getString(7), created, !rs.getBoolean(9)));
            }
        }
        return out;
    }

    private static void bindId(PreparedStatement ps, int i, IdType type, String value, String field) throws SQLException {
        if (value == null) {
            ps.setNull(i, type == IdType.BIGINT ? java.sql.Types.BIGINT : java.sql.Types.VARCHAR);
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

    private RuntimeException sqlError(String doing, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        // 08xxx connection, 40xxx rollback/serialization, 53xxx resources, 57xxx operator intervention: transient
        if (state.startsWith("08") || state.startsWith("40") || state.startsWith("53") || state.startsWith("57")) {
            closeQuietly();
            return new RetryableException("source_error", "source database error while " + doing + " (" + state + "): "
                    + redact(e.getMessage()), 0, null, e);
        }
        return new PermanentException(PermanentException.Kind.CONFIGURATION, "source database refused " + doing + " ("
                + state + "): " + redact(e.getMessage()), 0, null, e);
    }

    private String redact(String msg) {
        return com.synapbackfill.config.Redaction.secret(msg, connection.password());
    }

    private void closeQuietly() {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
            conn = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

}
