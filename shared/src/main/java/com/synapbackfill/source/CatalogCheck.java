package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalog check a shape's query is built from: tables described once, every problem of the mapping collected
 * (a user fixing a mapping should not meet them one run at a time) and reported together with the table's columns,
 * and the parts every shape shares: the filter's columns, the rows a run takes (filter and cutover) as SQL, and the
 * database's own check of that SQL on a query that reads no row.
 */
final class CatalogCheck {
    final SourceConnection db;
    final SqlDialect dialect;
    final SourceConfig config;
    /** Texts longer than this many bytes are not read (0: no cap). */
    final int maxTextBytes;
    private final List<String> problems = new ArrayList<>();

    CatalogCheck(SourceConnection db, SourceConfig config) {
        this(db, config, 0);
    }

    CatalogCheck(SourceConnection db, SourceConfig config, int maxTextBytes) {
        this.db = db;
        this.dialect = db.dialect();
        this.config = config;
        this.maxTextBytes = maxTextBytes;
    }

    /** {@code text} read only when it is at most {@code maxBytes} long (the length itself is selected apart); as is when 0. */
    String capped(String text, String raw, long maxBytes) {
        return maxBytes <= 0 ? text : "CASE WHEN " + dialect.byteLength(raw) + " <= " + maxBytes + " THEN " + text + " END";
    }

    /** The catalog's description of a table (no columns when it is not found). */
    SqlDialect.Table describe(String name) {
        try {
            return dialect.describe(db.get(), name);
        } catch (SQLException e) {
            throw db.error("reading the catalog", e);
        }
    }

    /**
     * What the source reads: the configured table (an error naming {@code source.table} when the login cannot see
     * it), or the configured query with its result columns (an error naming {@code source.query} when the database
     * refuses it).
     */
    Relation relation() {
        if (config.query() != null) {
            SqlDialect.Table columns;
            try {
                columns = dialect.describeQuery(db.get(), config.query());
            } catch (IllegalArgumentException e) {
                throw new PermanentException(PermanentException.Kind.CONFIGURATION, e.getMessage());
            } catch (SQLException e) {
                if (dialect.transientError(e)) throw db.error("describing the query", e);
                throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.query: the database refused the query ("
                        + e.getSQLState() + "): " + db.redact(e.getMessage()), 0, null, e);
            }
            return new Relation("query", "(" + config.query() + ")", columns, true, true);
        }
        SqlDialect.Table table = describe(config.table());
        if (table.columns().isEmpty())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.table: table or view \"" + config.table()
                    + "\" not found (or not visible to user " + db.user() + ")");
        return new Relation(config.table(), dialect.quote(config.table()), table, table.view(), false);
    }

    void problem(String p) {
        problems.add(p);
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    boolean problemsBeyondFilter() {
        return problems.stream().anyMatch(p -> !p.startsWith("source.filter"));
    }

    /** Throws every problem found, with the relation's columns and {@code hint}. */
    void throwIfProblems(String what, Relation relation, String hint) {
        if (problems.isEmpty()) return;
        throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source " + what + ": " + String.join("; ", problems)
                + ". The " + (relation.query() ? "query returns" : "table has") + " " + relation.table().names() + hint);
    }

    /** The column {@code column} of {@code table} for {@code field}, or null (a problem noted). */
    SqlDialect.Column require(SqlDialect.Table table, String field, String column) {
        SqlDialect.Column t = table.column(column);
        if (t == null) problems.add("columns." + field + ": column \"" + column + "\" not found");
        return t;
    }

    /** As {@link #require}, and the column must hold text. */
    SqlDialect.Column textual(SqlDialect.Table table, String field, String column) {
        SqlDialect.Column t = require(table, field, column);
        if (t != null && t.kind() != SqlDialect.Kind.TEXT && t.kind() != SqlDialect.Kind.JSON)
            problems.add("columns." + field + ": column \"" + column + "\" has type " + t.type() + "; it must be text or varchar");
        return t;
    }

    /** The filter's columns as the catalog spells them (a problem noted for each one not found), or empty. */
    Map<String, String> filterColumns(SourceFilter filter, SqlDialect.Table table, String where) {
        return filterColumns(filter, table, where, "", Map.of());
    }

    /**
     * The filter's columns, each as the SQL that reads it: a column of {@code table} (prefixed with {@code qualifier}), or
     * {@code TABLE.COLUMN} of a joined table (its alias in the query). A column that is not there is a problem naming it.
     */
    Map<String, String> filterColumns(SourceFilter filter, SqlDialect.Table table, String where, String qualifier,
                                      Map<String, FieldResolver.Source> joined) {
        Map<String, String> out = new LinkedHashMap<>();
        if (filter == null) return out;
        for (String col : filter.columns()) {
            int dot = col.indexOf('.');
            String tableName = dot < 0 || col.startsWith("\"") ? null : col.substring(0, dot);
            String name = tableName == null ? col : col.substring(dot + 1);
            FieldResolver.Source source = tableName == null ? null : joined.get(tableName);
            if (tableName != null && source == null) {
                problems.add("source.filter: column \"" + col + "\" names table " + tableName + ", which is not "
                        + (joined.isEmpty() ? "joined (a filter on another table's column needs --join TABLE.KEY=COLUMN, in the message shape)"
                        : "joined (joins: " + String.join(", ", joined.keySet()) + ")"));
                continue;
            }
            SqlDialect.Table t = source == null ? table : source.table();
            String quoted = SourceFilter.unquoted(name);
            SqlDialect.Column actual = quoted != null ? t.column(quoted)
                    : t.column(name) != null ? t.column(name) : t.column(name.toLowerCase(Locale.ROOT));
            if (actual == null) problems.add("source.filter: column \"" + col + "\" not found" + (source == null ? where : " in " + tableName));
            else out.put(col, (source == null ? qualifier : source.sqlAlias() + ".") + dialect.quote(actual.name()));
        }
        return out;
    }

    /**
     * Which rows the run takes, as SQL (null: all): the filter (a NULL verdict leaves the row out) and the cutover
     * on the timestamp (a row without one is kept: it becomes a missing-timestamp failure). Filter columns are
     * prefixed with {@code qualifier} ("" or "sb_m."); the bound values are appended to {@code binds}. The cutover is
     * SQL only when the time is a timestamp column ({@code created}, its catalog entry {@code ts}); a time computed
     * from numbers, text or JSON is cut over when it is read ({@link #withinCutover}).
     */
    String included(SourceFilter filter, Map<String, String> filterColumns, String qualifier, String created, SqlDialect.Column ts,
                    List<Object> binds) {
        List<String> pred = new ArrayList<>();
        if (filter != null) {
            SourceFilter.Rendered r = filter.render(filterColumns::get);
            pred.add("COALESCE((" + r.sql() + "), FALSE)");
            binds.addAll(r.binds());
        }
        if (created == null) return pred.isEmpty() ? null : String.join(" AND ", pred);
        if (config.sinceInstant() != null) {
            pred.add("(" + created + " IS NULL OR " + created + " >= ?)");
            binds.add(dialect.timestampBind(config.sinceInstant(), ts, config.zone()));
        }
        if (config.untilInstant() != null) {
            pred.add("(" + created + " IS NULL OR " + created + " < ?)");
            binds.add(dialect.timestampBind(config.untilInstant(), ts, config.zone()));
        }
        return pred.isEmpty() ? null : String.join(" AND ", pred);
    }

    /** Whether a time read is inside the cutover (a row without one is kept: it becomes a missing-timestamp failure). */
    static boolean withinCutover(SourceConfig config, java.time.Instant at) {
        if (at == null) return true;
        java.time.Instant since = config.sinceInstant();
        java.time.Instant until = config.untilInstant();
        return (since == null || !at.isBefore(since)) && (until == null || at.isBefore(until));
    }

    /** The database's own check of the filter (types, operators) on a query that reads no row. */
    void checkFilter(String fromWhere, List<Object> binds) {
        try (PreparedStatement ps = db.prepare("SELECT 1 FROM " + fromWhere + " LIMIT 0")) {
            db.bindAll(ps, 1, binds);
            ps.executeQuery().close();
        } catch (SQLException e) {
            if (dialect.transientError(e)) throw db.error("checking the filter", e);
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "source.filter: the database refused \""
                    + config.filter() + "\" (" + state + "): " + db.redact(e.getMessage()), 0, null, e);
        }
    }
}
