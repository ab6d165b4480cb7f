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
import java.time.ZoneId;
import java.math.BigInteger;
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
    private record Catalog(IdType idType, SqlDialect.Column createdAt, boolean isView, String selectList, List<Object> selectBinds,
                           String keyName, Messages messages) {
        Catalog(IdType idType, SqlDialect.Column createdAt, boolean isView, String selectList, List<Object> selectBinds, String keyName) {
            this(idType, createdAt, isView, selectList, selectBinds, keyName, null);
        }
    }

    /**
     * The message shape's reading: the FROM clause with its joins, the order inside a conversation, which of the
     * selected values are JSON (and where in them), and the message ids' type.
     *
     * @param from     {@code table AS sb_m LEFT JOIN ...}
     * @param key      the conversation column, qualified ({@code sb_m."chatId"})
     * @param orderBy  {@code conversation, order (or created), id}
     * @param idType   the message id's type (for re-reading failures by id)
     * @param idColumn the message id column, qualified
     * @param json     per value user, customer, role, text: read as JSON
     * @param pointers per value user, customer, role, text: the pointer, or null
     */
    private record Messages(String from, String key, String orderBy, IdType idType, String idColumn, boolean[] json, String[] pointers) {
    }

    // ---------------------------------------------------------------- connection and validation

    private Connection conn() {
        try {
            if (conn != null && !conn.isClosed() && conn.isValid(2)) return conn;
            closeQuietly();
            Properties p = dialect.connectionProperties();
            p.setProperty("user", connection.user());
            if (connection.password() != null) p.setProperty("password", connection.password());
            Connection c = DriverManager.getConnection(connection.jdbcUrl(), p);
            try {
                c.setReadOnly(true);
                dialect.prepareSession(c);
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            conn = c;
            return conn;
        } catch (SQLException e) {
            closeQuietly();
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("28")) {
                // invalid authorization (PostgreSQL 28P01/28000, MySQL 1045 "Access denied"): the setting is wrong, retrying cannot help
                String which = connection.password() == null || connection.password().isEmpty()
                        ? "SOURCE_DB_PASSWORD (or the secret of SOURCE_DB_SECRET_ARN) is not set, and the database wants one"
                        : "check SOURCE_DB_PASSWORD (or the secret of SOURCE_DB_SECRET_ARN) and SOURCE_DB_USER";
                throw new PermanentException(PermanentException.Kind.CONFIGURATION, "SOURCE_DB_PASSWORD: the database refused user "
                        + connection.user() + " (" + state + "): " + redact(e.getMessage()) + "; " + which, 0, null, e);
            }
            throw new RetryableException("source_unreachable", "SOURCE_JDBC_URL: cannot connect to the source database ("
                    + e.getSQLState() + "): " + redact(e.getMessage()), 0, null, e);
        }
    }

    private static final String MAPPING_HINT = " (map it with --column FIELD=COLUMN, or columns.FIELD in the config file or start event)";

    private Catalog catalog() {
        if (catalog != null) return catalog;
        if (config.messageShape()) return catalog = messagesCatalog();
        SqlDialect.Table table;
        try {
            table = dialect.describe(conn(), config.table());
        } catch (SQLException e) {
            throw sqlError("reading the catalog", e);
        }
        if (table.columns().isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.table: table or view \"" + config.table()
                    + "\" not found (or not visible to user " + connection.user() + ")");
        // every problem at once: a user fixing a mapping should not meet them one run at a time
        ColumnMapping c = config.columns();
        List<String> problems = new ArrayList<>();
        SqlDialect.Column idCol = require(table, "id", c.id(), problems);
        IdType idType = idCol == null ? null : dialect.idType(idCol);
        if (idCol != null && idType == null)
            problems.add("columns.id: column \"" + c.id() + "\" has type " + idCol.type() + "; supported id types: integer types, "
                    + "uuid" + (dialect instanceof MySqlDialect ? " (BINARY(16))" : "") + ", text/varchar");
        SqlDialect.Column userCol = require(table, "userId", c.userId(), problems);
        // a B2C table has no customer column: the default name may be absent; a mapped one must exist
        boolean noCustomer = c.customerId().isEmpty() || (c.customerId().equals("customer_id") && table.column("customer_id") == null);
        SqlDialect.Column customerCol = noCustomer ? null : require(table, "customerId", c.customerId(), problems);
        SqlDialect.Column convCol = require(table, "conversationId", c.conversationId(), problems);
        SqlDialect.Column indexCol = c.messageIndex().isEmpty() ? null : require(table, "messageIndex", c.messageIndex(), problems);
        if (indexCol != null && indexCol.kind() != SqlDialect.Kind.INTEGER && indexCol.kind() != SqlDialect.Kind.DECIMAL)
            problems.add("columns.messageIndex: column \"" + c.messageIndex() + "\" has type " + indexCol.type() + "; it must be an integer type");
        SqlDialect.Column userTextCol = textual(table, "userText", c.userText(), problems);
        SqlDialect.Column assistantTextCol = textual(table, "assistantText", c.assistantText(), problems);
        SqlDialect.Column ts = require(table, "createdAt", c.createdAt(), problems);
        if (ts != null && ts.kind() != SqlDialect.Kind.TIMESTAMP_ZONED && ts.kind() != SqlDialect.Kind.TIMESTAMP_LOCAL)
            problems.add("columns.createdAt: column \"" + c.createdAt() + "\" has type " + ts.type() + "; it must be "
                    + (dialect instanceof MySqlDialect ? "DATETIME or TIMESTAMP" : "timestamp or timestamptz"));
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = new LinkedHashMap<>();
        if (filter != null) {
            for (String col : filter.columns()) {
                SqlDialect.Column actual = table.column(col) != null ? table.column(col) : table.column(col.toLowerCase(Locale.ROOT));
                if (actual == null) problems.add("source.filter: column \"" + col + "\" not found");
                else filterColumns.put(col, actual.name());
            }
        }
        if (!problems.isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source " + config.table() + ": "
                    + String.join("; ", problems) + ". The table has " + table.names()
                    + (problems.stream().anyMatch(p -> !p.startsWith("source.filter")) ? MAPPING_HINT : ""));

        // which rows of the id range the run takes: the filter and the cutover; the rest are read as ids only
        List<Object> predBinds = new ArrayList<>();
        String created = dialect.quote(ts.name());
        String included = included(filter, filterColumns, "", ts, predBinds);
        if (included != null) checkFilter(dialect.quote(config.table()) + " WHERE " + included, predBinds);
        List<Object> selectBinds = new ArrayList<>();
        // Output columns are aliased: an unaliased "id"::text would be named "id", and ORDER BY "id" would then
        // sort by the text (PostgreSQL resolves ORDER BY names to output columns first), breaking keyset reads.
        String userText = dialect.text(dialect.quote(userTextCol.name()), userTextCol);
        String assistantText = dialect.text(dialect.quote(assistantTextCol.name()), assistantTextCol);
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
        String select = String.join(", ", dialect.idText(dialect.quote(idCol.name()), idType) + " AS sb_id",
                dialect.text(dialect.quote(userCol.name()), userCol) + " AS sb_user",
                (customerCol == null ? "NULL" : dialect.text(dialect.quote(customerCol.name()), customerCol)) + " AS sb_customer",
                dialect.text(dialect.quote(convCol.name()), convCol) + " AS sb_conversation",
                (indexCol == null ? "NULL" : dialect.quote(indexCol.name())) + " AS sb_index",
                userText + " AS sb_user_text", assistantText + " AS sb_assistant_text",
                dialect.timestamp(created, ts) + " AS sb_created_at", flag + " AS sb_included");
        catalog = new Catalog(idType, ts, table.view(), select, List.copyOf(selectBinds), idCol.name());
        return catalog;
    }

    /** The message shape's catalog: every field, join and role setting checked at once against the catalog. */
    private Catalog messagesCatalog() {
        MessageShape shape = config.messages();
        SqlDialect.Table table = describe(config.table());
        if (table.columns().isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.table: table or view \"" + config.table()
                    + "\" not found (or not visible to user " + connection.user() + ")");
        List<String> problems = new ArrayList<>();
        Map<String, SqlDialect.Table> joined = new LinkedHashMap<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        StringBuilder from = new StringBuilder(dialect.quote(config.table()) + " sb_m");
        int j = 0;
        for (MessageShape.Join join : shape.parsedJoins()) {
            SqlDialect.Table jt = describe(join.table());
            String alias = "sb_j" + j++;
            aliases.put(join.alias(), alias);
            joined.put(join.alias(), jt);
            if (jt.columns().isEmpty()) {
                problems.add("joins: table \"" + join.table() + "\" not found");
                continue;
            }
            SqlDialect.Column key = jt.column(join.key());
            SqlDialect.Column ours = table.column(join.column());
            if (key == null) problems.add("joins: " + join.table() + " has no column \"" + join.key() + "\" (it has " + jt.names() + ")");
            if (ours == null) problems.add("joins: " + config.table() + " has no column \"" + join.column() + "\"");
            if (key != null && ours != null)
                from.append(" LEFT JOIN ").append(dialect.quote(join.table())).append(' ').append(alias).append(" ON ").append(alias).append('.')
                        .append(dialect.quote(key.name())).append(" = sb_m.").append(dialect.quote(ours.name()));
        }
        // the id, the conversation, the time and the order: plain columns of the message table
        SqlDialect.Column idCol = plain(table, shape, "id", problems);
        IdType idType = idCol == null ? null : dialect.idType(idCol);
        if (idCol != null && idType == null)
            problems.add("columns.id: column \"" + idCol.name() + "\" has type " + idCol.type() + "; a message id must be an integer, uuid or text");
        SqlDialect.Column convCol = plain(table, shape, "conversationId", problems);
        IdType convType = convCol == null ? null : dialect.idType(convCol);
        if (convCol != null && convType == null)
            problems.add("columns.conversationId: column \"" + convCol.name() + "\" has type " + convCol.type()
                    + "; a conversation id must be an integer, uuid or text (shards are ranges of it)");
        SqlDialect.Column ts = plain(table, shape, "createdAt", problems);
        if (ts != null && ts.kind() != SqlDialect.Kind.TIMESTAMP_ZONED && ts.kind() != SqlDialect.Kind.TIMESTAMP_LOCAL)
            problems.add("columns.createdAt: column \"" + ts.name() + "\" has type " + ts.type() + "; it must be a timestamp");
        SqlDialect.Column orderCol = shape.ref("order") == null ? null : plain(table, shape, "order", problems);
        if (orderCol != null && orderCol.kind() != SqlDialect.Kind.INTEGER && orderCol.kind() != SqlDialect.Kind.DECIMAL
                && orderCol.kind() != SqlDialect.Kind.TIMESTAMP_LOCAL && orderCol.kind() != SqlDialect.Kind.TIMESTAMP_ZONED)
            problems.add("columns.order: column \"" + orderCol.name() + "\" has type " + orderCol.type() + "; it must be a number or a timestamp");
        // the values that may come from a join or from inside JSON
        String[] fields = {"userId", "customerId", "role", "text"};
        String[] exprs = new String[4];
        boolean[] json = new boolean[4];
        String[] pointers = new String[4];
        for (int k = 0; k < 4; k++) {
            MessageShape.Ref ref = shape.ref(fields[k]);
            if (ref == null) {
                exprs[k] = "NULL";
                continue;
            }
            SqlDialect.Table t = ref.table() == null ? table : joined.get(ref.table());
            SqlDialect.Column col = t == null ? null : t.column(ref.column());
            if (col == null) {
                // a B2C table has no customer column: the default name may be absent
                if (fields[k].equals("customerId") && ref.table() == null && shape.columns().get("customerId").equals("customer_id")) {
                    exprs[k] = "NULL";
                    continue;
                }
                if (t != null && !t.columns().isEmpty())
                    problems.add("columns." + fields[k] + ": column \"" + ref.column() + "\" not found" + (ref.table() == null ? "" : " in " + ref.table()));
                continue;
            }
            boolean isJson = col.kind() == SqlDialect.Kind.JSON || ref.pointer() != null;
            if (ref.pointer() != null && col.kind() != SqlDialect.Kind.JSON && col.kind() != SqlDialect.Kind.TEXT)
                problems.add("columns." + fields[k] + ": \"" + shape.columns().get(fields[k]) + "\" points into column " + col.name()
                        + " of type " + col.type() + "; a JSON pointer needs a json, jsonb or text column");
            if (fields[k].equals("text") && col.kind() != SqlDialect.Kind.TEXT && col.kind() != SqlDialect.Kind.JSON)
                problems.add("columns.text: column \"" + col.name() + "\" has type " + col.type() + "; it must be text, varchar, json or jsonb");
            json[k] = isJson;
            pointers[k] = ref.pointer();
            exprs[k] = dialect.text((ref.table() == null ? "sb_m" : aliases.get(ref.table())) + "." + dialect.quote(col.name()), col);
        }
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = new LinkedHashMap<>();
        if (filter != null) {
            for (String col : filter.columns()) {
                SqlDialect.Column actual = table.column(col) != null ? table.column(col) : table.column(col.toLowerCase(Locale.ROOT));
                if (actual == null) problems.add("source.filter: column \"" + col + "\" not found in " + config.table());
                else filterColumns.put(col, actual.name());
            }
        }
        if (!problems.isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source " + config.table() + " (message shape): "
                    + String.join("; ", problems) + ". The table has " + table.names()
                    + " (map a field with --column FIELD=COLUMN, TABLE.COLUMN or COLUMN#/json/pointer; fields: "
                    + String.join(", ", MessageShape.DEFAULTS.keySet()) + ")");

        List<Object> predBinds = new ArrayList<>();
        String created = "sb_m." + dialect.quote(ts.name());
        String included = included(filter, filterColumns, "sb_m.", ts, predBinds);
        if (included != null) checkFilter(from + " WHERE " + included, predBinds);
        List<Object> selectBinds = new ArrayList<>();
        String text = exprs[3];
        String flag = "TRUE";
        if (included != null) {
            flag = "(" + included + ")";
            text = "CASE WHEN " + flag + " THEN " + text + " END"; // a message left out is never read
            selectBinds.addAll(predBinds);
            selectBinds.addAll(predBinds);
        }
        String id = "sb_m." + dialect.quote(idCol.name());
        String conv = "sb_m." + dialect.quote(convCol.name());
        String select = String.join(", ", dialect.idText(id, idType) + " AS sb_id", dialect.idText(conv, convType) + " AS sb_conversation",
                exprs[0] + " AS sb_user", exprs[1] + " AS sb_customer", exprs[2] + " AS sb_role", text + " AS sb_text",
                dialect.timestamp(created, ts) + " AS sb_created_at", flag + " AS sb_included");
        String orderBy = conv + ", " + (orderCol != null ? "sb_m." + dialect.quote(orderCol.name()) : created) + ", " + id;
        return new Catalog(convType, ts, table.view(), select, List.copyOf(selectBinds), convCol.name(),
                new Messages(from.toString(), conv, orderBy, idType, id, json, pointers));
    }

    private SqlDialect.Table describe(String name) {
        try {
            return dialect.describe(conn(), name);
        } catch (SQLException e) {
            throw sqlError("reading the catalog", e);
        }
    }

    /** A field that must be a plain column of the message table (no join, no pointer). */
    private static SqlDialect.Column plain(SqlDialect.Table table, MessageShape shape, String field, List<String> problems) {
        MessageShape.Ref ref = shape.ref(field);
        if (ref.table() != null || ref.pointer() != null) {
            problems.add("columns." + field + ": \"" + shape.columns().get(field) + "\" must be a column of the message table itself");
            return null;
        }
        return require(table, field, ref.column(), problems);
    }

    /**
     * Which rows the run takes, as SQL (null: all): the filter (a NULL verdict leaves the row out) and the cutover
     * on the timestamp (a row without one is kept: it becomes a missing-timestamp failure). Columns are prefixed
     * with {@code qualifier} ("" or "sb_m."); the bound values are appended to {@code binds}.
     */
    private String included(SourceFilter filter, Map<String, String> filterColumns, String qualifier, SqlDialect.Column ts, List<Object> binds) {
        List<String> pred = new ArrayList<>();
        if (filter != null) {
            SourceFilter.Rendered r = filter.render(col -> qualifier + dialect.quote(filterColumns.get(col)));
            pred.add("COALESCE((" + r.sql() + "), FALSE)");
            binds.addAll(r.binds());
        }
        String created = qualifier + dialect.quote(ts.name());
        if (config.sinceInstant() != null) {
            pred.add("(" + created + " IS NULL OR " + created + " >= ?)");
            binds.add(dialect.timestampBind(config.sinceInstant(), ts, zone));
        }
        if (config.untilInstant() != null) {
            pred.add("(" + created + " IS NULL OR " + created + " < ?)");
            binds.add(dialect.timestampBind(config.untilInstant(), ts, zone));
        }
        return pred.isEmpty() ? null : String.join(" AND ", pred);
    }

    /** The database's own check of the filter (types, operators) on a query that reads no row. */
    private void checkFilter(String fromWhere, List<Object> binds) {
        try (PreparedStatement ps = conn().prepareStatement("SELECT 1 FROM " + fromWhere + " LIMIT 0")) {
            bindAll(ps, 1, binds);
            ps.executeQuery().close();
        } catch (SQLException e) {
            if (dialect.transientError(e)) throw sqlError("checking the filter", e);
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.filter: the database refused \""
                    + config.filter() + "\" (" + state + "): " + redact(e.getMessage()), 0, null, e);
        }
    }

    private int bindAll(PreparedStatement ps, int from, List<Object> binds) throws SQLException {
        int i = from;
        for (Object b : binds) dialect.bind(ps, i++, b);
        return i;
    }

    private static SqlDialect.Column require(SqlDialect.Table table, String field, String column, List<String> problems) {
        SqlDialect.Column t = table.column(column);
        if (t == null) problems.add("columns." + field + ": column \"" + column + "\" not found");
        return t;
    }

    private static SqlDialect.Column textual(SqlDialect.Table table, String field, String column, List<String> problems) {
        SqlDialect.Column t = require(table, field, column, problems);
        if (t != null && t.kind() != SqlDialect.Kind.TEXT && t.kind() != SqlDialect.Kind.JSON)
            problems.add("columns." + field + ": column \"" + column + "\" has type " + t.type() + "; it must be text or varchar");
        return t;
    }

    // ---------------------------------------------------------------- planning

    @Override
    public SourceProfile profile() {
        if (profile == null) profile = readProfile();
        return profile;
    }

    /** The column shards are ranges of: the id, or (message shape) the conversation id. */
    private String idColumn() {
        return dialect.quote(catalog().keyName());
    }

    private SourceProfile readProfile() {
        Catalog cat = catalog();
        String id = idColumn();
        String p = dialect.param(cat.idType());
        String text = dialect.idText(id, cat.idType());
        // ORDER BY ... LIMIT 1 rather than min()/max(): index-backed for every id type (PostgreSQL has no min(uuid))
        String where = " FROM " + dialect.quote(config.table()) + " WHERE (" + p + " IS NULL OR " + id + " >= " + p
                + ") AND (" + p + " IS NULL OR " + id + " <= " + p + ") ORDER BY " + id;
        String sql = "SELECT (SELECT " + text + " AS sb_lo" + where + " LIMIT 1), (SELECT " + text + " AS sb_hi"
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
        if (cat.idType() == IdType.BIGINT) {
            for (String bound : new String[] {min, max}) {
                try {
                    Long.parseLong(bound);
                } catch (NumberFormatException e) {
                    throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: id " + bound
                            + " is outside the signed 64-bit range (an unsigned BIGINT above 9223372036854775807)");
                }
            }
        }
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
        String id = idColumn();
        String text = dialect.idText(id, cat.idType());
        String from = " FROM " + dialect.quote(config.table()) + " ORDER BY " + id;
        try (PreparedStatement ps = conn().prepareStatement("SELECT (SELECT " + text + " AS sb_lo" + from + " LIMIT 1), (SELECT "
                + text + " AS sb_hi" + from + " DESC LIMIT 1)"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        } catch (SQLException e) {
            throw sqlError("reading the table's id bounds", e);
        }
    }

    private long estimate(Catalog cat) {
        try {
            return Math.max(1, dialect.estimateRows(conn(), config.table(), cat.isView()));
        } catch (SQLException | NumberFormatException e) {
            return 1; // no statistics: one shard per target rows from the sample alone
        }
    }

    /**
     * Above this many rows (statistics), a database without block sampling is sampled by index probes rather
     * than a coin flip per row, so planning never reads a large table whole. Text ids cannot be probed (no
     * arithmetic between two strings): they are sampled per row at any size.
     */
    long probeAboveRows = 250_000;
    static final int PROBES = 400;
    static final int PROBE_ROWS = 32;
    static final int PROBE_BUDGET = 2_000;

    @Override
    public List<String> sampleIds(int n) {
        Catalog cat = catalog();
        SourceProfile profile = profile();
        if (profile.empty()) return List.of();
        double percent = Math.min(100.0, Math.max(0.01, 100.0 * Math.max(n, SAMPLE_FLOOR) / Math.max(1, profile.estimatedRows())));
        if (!dialect.blockSampling()) {
            if (profile.estimatedRows() > probeAboveRows && cat.idType() != IdType.TEXT) return probeSample(cat, profile, Math.max(n, SAMPLE_FLOOR));
            return sample(cat, profile, percent, true);
        }
        List<String> ids = sample(cat, profile, percent, false);
        if (ids.size() < Math.min(n, profile.estimatedRows()) / 4 && !cat.isView()) {
            // block sampling found too little (small or clustered table): sample rows instead
            ids = sample(cat, profile, percent, true);
        }
        return ids;
    }

    private List<String> sample(Catalog cat, SourceProfile profile, double percent, boolean rowSampling) {
        String sql = dialect.sampleSql(config.table(), cat.keyName(), cat.idType(), percent, rowSampling || cat.isView());
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

    /**
     * Sampling by index probes, for integer and UUID ids where the database cannot sample pages. A probe at
     * {@code p} reads the next {@link #PROBE_ROWS} ids from {@code p} by the primary key (one index seek). The
     * id range starts as {@link #PROBES} even segments, one probe each: a segment whose probe reached the next
     * segment has an exact count; otherwise its first ids are counted and the rest stays open, estimated
     * from the probe's density. The open segment with the largest estimate is then split in four and probed
     * again, until at most {@link #PROBE_BUDGET} probes ({@code PROBE_BUDGET × PROBE_ROWS} rows, whatever the
     * table's size). The answer is {@code n} ids at the quantiles of the counted and estimated distribution
     * (interpolated values: the planner only makes cuts of them).
     */
    List<String> probeSample(Catalog cat, SourceProfile profile, int n) {
        boolean uuid = cat.idType() == IdType.UUID;
        java.util.function.Function<String, BigInteger> value = uuid ? ShardPlanner::uuidValue : BigInteger::new;
        java.util.function.Function<BigInteger, String> text = uuid ? ShardPlanner::uuidText : BigInteger::toString;
        BigInteger lo = value.apply(profile.minId());
        BigInteger end = value.apply(profile.maxId()).add(BigInteger.ONE);
        BigInteger span = end.subtract(lo);
        String id = idColumn();
        String p = dialect.param(cat.idType());
        String sql = "SELECT " + dialect.idText(id, cat.idType()) + " AS sb_id FROM " + dialect.quote(config.table()) + " WHERE "
                + id + " >= " + p + " AND " + id + " <= " + p + " ORDER BY " + id + " LIMIT " + PROBE_ROWS;
        List<Segment> done = new ArrayList<>();
        java.util.PriorityQueue<Segment> open = new java.util.PriorityQueue<>((a, b) -> Double.compare(b.mass, a.mass));
        int probes = 0;
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            List<Segment> todo = new ArrayList<>();
            int first = (int) span.min(BigInteger.valueOf(PROBES)).longValue();
            for (int k = 0; k < first; k++)
                todo.add(new Segment(lo.add(span.multiply(BigInteger.valueOf(k)).divide(BigInteger.valueOf(first))),
                        lo.add(span.multiply(BigInteger.valueOf(k + 1)).divide(BigInteger.valueOf(first))), 0, false));
            while (true) {
                for (Segment seg : todo) {
                    probes++;
                    bindId(ps, 1, cat.idType(), text.apply(seg.start), "probe");
                    bindId(ps, 2, cat.idType(), profile.maxId(), "source.toId");
                    List<BigInteger> found = new ArrayList<>(PROBE_ROWS);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) found.add(value.apply(rs.getString(1)));
                    }
                    long inside = found.stream().filter(v -> v.compareTo(seg.end) < 0).count();
                    if (inside < found.size() || found.size() < PROBE_ROWS) {
                        done.add(new Segment(seg.start, seg.end, inside, false)); // reached the next segment: exact
                    } else {
                        BigInteger counted = found.get(found.size() - 1).add(BigInteger.ONE);
                        done.add(new Segment(seg.start, counted, PROBE_ROWS, false));
                        double density = PROBE_ROWS / counted.subtract(seg.start).doubleValue();
                        if (counted.compareTo(seg.end) < 0)
                            open.add(new Segment(counted, seg.end, density * seg.end.subtract(counted).doubleValue(), true));
                    }
                }
                todo.clear();
                if (open.isEmpty() || probes + 4 > PROBE_BUDGET) break;
                Segment big = open.poll();
                BigInteger width = big.end.subtract(big.start);
                int parts = (int) width.min(BigInteger.valueOf(4)).longValue();
                for (int k = 0; k < parts; k++)
                    todo.add(new Segment(big.start.add(width.multiply(BigInteger.valueOf(k)).divide(BigInteger.valueOf(parts))),
                            big.start.add(width.multiply(BigInteger.valueOf(k + 1)).divide(BigInteger.valueOf(parts))), 0, false));
            }
        } catch (SQLException e) {
            throw sqlError("probing ids", e);
        }
        done.addAll(open);
        done.sort((a, b) -> a.start.compareTo(b.start));
        double total = done.stream().mapToDouble(x -> x.mass).sum();
        List<String> out = new ArrayList<>(n);
        if (total <= 0) return out;
        int k = 0;
        double before = 0; // mass of segments 0..k-1
        for (int i = 0; i < n; i++) {
            double q = (i + 0.5) * total / n;
            while (k < done.size() - 1 && before + done.get(k).mass < q) before += done.get(k++).mass;
            Segment seg = done.get(k);
            double within = seg.mass == 0 ? 0 : Math.min(1.0, Math.max(0.0, (q - before) / seg.mass));
            BigInteger at = seg.start.add(new java.math.BigDecimal(seg.end.subtract(seg.start)).multiply(java.math.BigDecimal.valueOf(within)).toBigInteger());
            out.add(text.apply(at.min(end.subtract(BigInteger.ONE))));
        }
        return out;
    }

    /** A part {@code [start, end)} of the id range holding {@code mass} rows: counted, or estimated while {@code open}. */
    private record Segment(BigInteger start, BigInteger end, double mass, boolean open) {
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<Turn> readPage(Shard shard, String afterExclusive, int limit) {
        Catalog cat = catalog();
        if (cat.messages() != null) {
            if (cat.idType() != shard.idType())
                throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.conversationId: the conversation id column is now "
                        + cat.idType() + " but the run was planned for " + shard.idType());
            return readConversations(cat, shard, afterExclusive, limit);
        }
        if (cat.idType() != shard.idType())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: the id column is now "
                    + cat.idType() + " but the run was planned for " + shard.idType());
        String id = idColumn();
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
        if (cat.messages() != null) return readTurnsByFirstMessage(cat, ids);
        String id = idColumn();
        List<Turn> out = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += 1_000) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 1_000));
            String in = String.join(", ", java.util.Collections.nCopies(chunk.size(), dialect.param(cat.idType())));
            String sql = "SELECT " + cat.selectList() + " FROM " + dialect.quote(config.table()) + " WHERE " + id
                    + " IN (" + in + ") ORDER BY " + id;
            try (PreparedStatement ps = conn().prepareStatement(sql)) {
                int i = bindAll(ps, 1, cat.selectBinds());
                for (String v : chunk) bindId(ps, i++, cat.idType(), v, "failure row id");
                out.addAll(readTurns(ps, cat));
            } catch (SQLException e) {
                throw sqlError("re-reading rows by id", e);
            }
        }
        return out;
    }

    @Override
    public long countRows(Shard shard) {
        Catalog cat = catalog();
        String id = idColumn();
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

    // ---------------------------------------------------------------- the message shape

    /**
     * At least {@code limit} items (unless the shard ends first) of whole conversations from the checkpoint: the
     * messages are read by keyset on the conversation id in pages of about {@code limit}; a conversation cut by a
     * page's end is read again whole with the next page, and one larger than a page is read alone. A checkpoint
     * {@code SEQ:CONVERSATION} re-reads that conversation and leaves out its first SEQ+1 items.
     */
    private List<Turn> readConversations(Catalog cat, Shard shard, String after, int limit) {
        Messages msg = cat.messages();
        String p = dialect.param(cat.idType());
        String lowerValue = after == null ? shard.lo() : MessagePairing.conversation(after);
        int skipThrough = after == null ? -1 : MessagePairing.seq(after);
        boolean inclusive = after != null || !shard.loExclusive();
        int chunk = Math.max(limit, 100);
        List<Turn> out = new ArrayList<>();
        String base = "SELECT " + cat.selectList() + " FROM " + msg.from() + " WHERE ";
        while (true) {
            String sql = base + msg.key() + (inclusive ? " >= " : " > ") + p + " AND " + msg.key() + " <= " + p
                    + " ORDER BY " + msg.orderBy() + " LIMIT ?";
            List<MessagePairing.Message> rows;
            try (PreparedStatement ps = conn().prepareStatement(sql)) {
                int i = bindAll(ps, 1, cat.selectBinds());
                bindId(ps, i, cat.idType(), lowerValue, "checkpoint");
                bindId(ps, i + 1, cat.idType(), shard.hi(), "shard.hi");
                ps.setInt(i + 2, chunk);
                ps.setFetchSize(chunk);
                rows = readMessages(ps, cat);
            } catch (SQLException e) {
                throw sqlError("reading shard " + shard.shardNo(), e);
            }
            if (rows.isEmpty()) return out;
            boolean full = rows.size() == chunk;
            List<List<MessagePairing.Message>> conversations = groups(rows);
            if (full) {
                if (conversations.size() == 1) {
                    conversations = List.of(readConversation(cat, shard, conversations.get(0).get(0).conversationId()));
                } else {
                    conversations = conversations.subList(0, conversations.size() - 1); // cut by the page: read again next time
                }
            }
            for (List<MessagePairing.Message> c : conversations) {
                List<Turn> items = MessagePairing.pair(c);
                if (skipThrough >= 0 && c.get(0).conversationId().equals(lowerValue)) {
                    items = items.subList(Math.min(items.size(), skipThrough + 1), items.size());
                    skipThrough = -1;
                }
                out.addAll(items);
            }
            skipThrough = -1;
            lowerValue = conversations.get(conversations.size() - 1).get(0).conversationId();
            inclusive = false;
            if (!full || out.size() >= limit) return out;
        }
    }

    /** Items of whole conversations, by conversation id (message shape only; for {@code estimate}). */
    public List<Turn> readConversations(List<String> conversationIds) {
        Catalog cat = catalog();
        if (cat.messages() == null) throw new IllegalStateException("not the message shape");
        List<Turn> out = new ArrayList<>();
        for (String c : conversationIds) out.addAll(MessagePairing.pair(readConversation(cat, null, c)));
        return out;
    }

    /**
     * Message shape: the database's plan of the page query when it would not use an index (then every page is a
     * scan and sort of the table), else null. The index it needs: (conversation, order or created, id).
     */
    public String unindexedPagePlan() {
        Catalog cat = catalog();
        if (cat.messages() == null) return null;
        SourceProfile p = profile();
        if (p.empty()) return null;
        String param = dialect.param(cat.idType());
        String sql = "SELECT " + cat.selectList() + " FROM " + cat.messages().from() + " WHERE " + cat.messages().key() + " >= " + param + " AND "
                + cat.messages().key() + " <= " + param + " ORDER BY " + cat.messages().orderBy() + " LIMIT 500";
        try {
            return dialect.fullScanPlan(conn(), sql, "sb_m", ps -> {
                int i = bindAll(ps, 1, cat.selectBinds());
                bindId(ps, i, cat.idType(), p.minId(), "min");
                bindId(ps, i + 1, cat.idType(), p.maxId(), "max");
            });
        } catch (SQLException e) {
            throw sqlError("explaining the page query", e);
        }
    }

    /** Message shape: messages whose conversation id is NULL (no shard holds them: they are never read). */
    public long messagesWithoutConversation() {
        Catalog cat = catalog();
        if (cat.messages() == null) return 0;
        try (PreparedStatement ps = conn().prepareStatement("SELECT count(*) FROM " + dialect.quote(config.table()) + " WHERE "
                + dialect.quote(cat.keyName()) + " IS NULL"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw sqlError("counting messages without a conversation", e);
        }
    }

    /** The columns a message table's page query wants an index on, in order. */
    public String pageIndexColumns() {
        MessageShape shape = config.messages();
        if (shape == null) return null;
        String order = shape.ref("order") != null ? shape.ref("order").column() : shape.ref("createdAt").column();
        return "(" + shape.ref("conversationId").column() + ", " + order + ", " + shape.ref("id").column() + ")";
    }

    /** Every message of one conversation, in order. */
    private List<MessagePairing.Message> readConversation(Catalog cat, Shard shard, String conversationId) {
        Messages msg = cat.messages();
        String sql = "SELECT " + cat.selectList() + " FROM " + msg.from() + " WHERE " + msg.key() + " = " + dialect.param(cat.idType())
                + " ORDER BY " + msg.orderBy();
        try (PreparedStatement ps = conn().prepareStatement(sql)) {
            int i = bindAll(ps, 1, cat.selectBinds());
            bindId(ps, i, cat.idType(), conversationId, "conversation");
            ps.setFetchSize(1_000);
            return readMessages(ps, cat);
        } catch (SQLException e) {
            throw sqlError("reading conversation " + conversationId + (shard == null ? "" : " of shard " + shard.shardNo()), e);
        }
    }

    /**
     * Re-reads turns by the id of their first message (failure rows hold it): the conversations of those
     * messages are read whole and paired again; a turn whose first message is no longer first is absent.
     */
    private List<Turn> readTurnsByFirstMessage(Catalog cat, List<String> ids) {
        Messages msg = cat.messages();
        java.util.Set<String> wanted = new java.util.HashSet<>(ids);
        java.util.Set<String> conversations = new java.util.LinkedHashSet<>();
        for (int from = 0; from < ids.size(); from += 1_000) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 1_000));
            String in = String.join(", ", java.util.Collections.nCopies(chunk.size(), dialect.param(msg.idType())));
            String sql = "SELECT DISTINCT " + dialect.idText(msg.key(), cat.idType()) + " AS sb_conversation FROM " + msg.from()
                    + " WHERE " + msg.idColumn() + " IN (" + in + ")";
            try (PreparedStatement ps = conn().prepareStatement(sql)) {
                int i = 1;
                for (String v : chunk) bindId(ps, i++, msg.idType(), v, "failure row id");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) if (rs.getString(1) != null) conversations.add(rs.getString(1));
                }
            } catch (SQLException e) {
                throw sqlError("finding the conversations of failed turns", e);
            }
        }
        List<Turn> out = new ArrayList<>();
        for (String c : conversations) {
            for (Turn t : MessagePairing.pair(readConversation(cat, null, c))) if (!t.skipped() && wanted.contains(t.id())) out.add(t);
        }
        return out;
    }

    private static List<List<MessagePairing.Message>> groups(List<MessagePairing.Message> rows) {
        List<List<MessagePairing.Message>> out = new ArrayList<>();
        List<MessagePairing.Message> current = null;
        for (MessagePairing.Message m : rows) {
            if (current == null || !current.get(0).conversationId().equals(m.conversationId())) {
                current = new ArrayList<>();
                out.add(current);
            }
            current.add(m);
        }
        return out;
    }

    private List<MessagePairing.Message> readMessages(PreparedStatement ps, Catalog cat) throws SQLException {
        Messages msg = cat.messages();
        MessageShape shape = config.messages();
        List<MessagePairing.Message> out = new ArrayList<>();
        String[] raw = new String[4];
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                for (int k = 0; k < 4; k++) raw[k] = rs.getString(3 + k);
                // one parse per distinct JSON value of the row (LangChain's role and text share one document)
                com.fasterxml.jackson.databind.JsonNode[] docs = new com.fasterxml.jackson.databind.JsonNode[4];
                for (int k = 0; k < 4; k++) {
                    if (!msg.json()[k] || raw[k] == null) continue;
                    for (int q = 0; q < k; q++) if (msg.json()[q] && raw[k].equals(raw[q])) docs[k] = docs[q];
                    if (docs[k] == null) docs[k] = MessageValues.parse(raw[k]);
                }
                boolean included = rs.getBoolean(8);
                String role = MessageValues.scalar(raw[2], docs[2], msg.pointers()[2], msg.json()[2]);
                MessageValues.Text text = included ? MessageValues.text(raw[3], docs[3], msg.pointers()[3], msg.json()[3]) : MessageValues.Text.NONE;
                Instant created = dialect.readTimestamp(rs, 7, cat.createdAt(), zone);
                String conversation = rs.getString(2);
                out.add(new MessagePairing.Message(rs.getString(1), conversation == null ? "" : conversation,
                        MessageValues.scalar(raw[0], docs[0], msg.pointers()[0], msg.json()[0]),
                        MessageValues.scalar(raw[1], docs[1], msg.pointers()[1], msg.json()[1]),
                        shape.kindOf(role), role, text.text(), text.unreadable() ? com.synapbackfill.model.BadRowReason.UNREADABLE_TEXT : null,
                        created, included ? null : "filter"));
            }
        }
        return out;
    }

    private List<Turn> readTurns(PreparedStatement ps, Catalog cat) throws SQLException {
        List<Turn> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long mi = rs.getLong(5);
                Long messageIndex = rs.wasNull() ? null : mi;
                Instant created = dialect.readTimestamp(rs, 8, cat.createdAt(), zone);
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
        if (dialect.transientError(e)) {
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
