package com.synapbackfill.source;

import com.synapbackfill.model.IdType;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves a mapping's field references ({@code [TABLE.]COLUMN[#/pointer][::unit]}, alternatives joined by
 * {@code ??}) against the catalog into the kinds that read them, registering their SQL in the query's
 * {@link SelectList}. A reference that cannot be read is a problem noted on the {@link CatalogCheck}, never an
 * exception, so that every problem of a mapping is reported at once.
 */
final class FieldResolver {
    /** A table the fields may read: the message table ({@code sb_m}) or a joined one ({@code sb_j0}, ...). */
    record Source(String sqlAlias, SqlDialect.Table table, String name) {
    }

    /** A key computed in SQL, with its type. */
    record Key(String sql, IdType type) {
    }

    private final CatalogCheck check;
    private final SqlDialect dialect;
    private final Source main;
    private final Map<String, Source> joined;
    private final SelectList select;
    private final ZoneId zone;

    FieldResolver(CatalogCheck check, Source main, Map<String, Source> joined, SelectList select, ZoneId zone) {
        this.check = check;
        this.dialect = check.dialect;
        this.main = main;
        this.joined = joined;
        this.select = select;
        this.zone = zone;
    }

    /** The source of a reference, or null (a join that is missing, already reported). */
    private Source sourceOf(MessageShape.Ref ref) {
        return ref.table() == null ? main : joined.get(ref.table());
    }

    /** The column a reference names, or null with a problem noted (none when its table is not there at all). */
    SqlDialect.Column column(MessageShape.Ref ref) {
        if (ref.isConstant()) {
            check.problem("columns." + ref.field() + ": " + ref.text() + " is a constant; " + ref.field() + " must be read from a column "
                    + "(a constant is a value: userId, customerId, role, text and, in a row per turn, conversationId)");
            return null;
        }
        Source s = sourceOf(ref);
        if (s == null || s.table().columns().isEmpty()) return null;
        SqlDialect.Column col = s.table().column(ref.column());
        if (col == null) check.problem("columns." + ref.field() + ": column \"" + ref.column() + "\" not found" + (ref.table() == null ? "" : " in " + ref.table()));
        return col;
    }

    /** The column's SQL: qualified by its table's alias, or alone when the relation is read unaliased. */
    String qualified(MessageShape.Ref ref, SqlDialect.Column col) {
        String alias = sourceOf(ref).sqlAlias();
        return (alias == null ? "" : alias + ".") + dialect.quote(col.name());
    }

    /** A value field (user, customer, role, text): the first non-null of its alternatives; null when unmapped or unreadable. */
    Value value(String field, List<MessageShape.Ref> refs, boolean text) {
        return value(field, refs, text, null, List.of());
    }

    /**
     * As {@link #value(String, List, boolean)}, read only where {@code flag} (SQL with {@code flagBinds}) holds: the
     * text of a row the filter leaves out is never read, not even detoasted.
     */
    Value value(String field, List<MessageShape.Ref> refs, boolean text, String flag, List<Object> flagBinds) {
        return value(field, refs, text, flag, flagBinds, 0, new ArrayList<>());
    }

    /**
     * As {@link #value(String, List, boolean, String, List)}, each alternative's value read only when it is at most
     * {@code capBytes} long (a JSON column's: 16 times that, its text being only a part of it); the positions of the
     * alternatives' byte lengths are added to {@code lengths}. {@code capBytes} 0: no cap.
     */
    Value value(String field, List<MessageShape.Ref> refs, boolean text, String flag, List<Object> flagBinds, long capBytes, List<Integer> lengths) {
        List<Value> out = new ArrayList<>();
        for (MessageShape.Ref ref : refs) {
            if (ref.isConstant()) {
                out.add(new Constant(ref.constant()));
                continue;
            }
            SqlDialect.Column col = column(ref);
            if (col == null) continue;
            boolean json = col.kind() == SqlDialect.Kind.JSON || ref.pointer() != null;
            if (ref.pointer() != null && col.kind() != SqlDialect.Kind.JSON && col.kind() != SqlDialect.Kind.TEXT)
                check.problem("columns." + field + ": \"" + ref.text() + "\" points into column " + col.name() + " of type " + col.type()
                        + "; a JSON pointer needs a json, jsonb or text column");
            if (text && col.kind() != SqlDialect.Kind.TEXT && col.kind() != SqlDialect.Kind.JSON)
                check.problem("columns." + field + ": column \"" + col.name() + "\" has type " + col.type() + "; it must be text, varchar, json or jsonb");
            String raw = qualified(ref, col);
            String expr = dialect.text(raw, col);
            // a database that checks no encoding: the bytes as they are, checked row by row (Row.text)
            if ((col.kind() == SqlDialect.Kind.TEXT || col.kind() == SqlDialect.Kind.JSON) && check.db.sqlAscii())
                expr = "convert_to(" + expr + ", 'SQL_ASCII')";
            if (capBytes > 0) {
                lengths.add(select.add(dialect.byteLength(expr)));
                expr = check.capped(expr, expr, json ? capBytes * 16 : capBytes);
            }
            int at = flag == null ? select.add(expr) : select.add("CASE WHEN " + flag + " THEN " + expr + " END", flagBinds);
            out.add(json ? JsonAt.of(at, ref.pointer()) : new ColumnText(at));
        }
        if (out.isEmpty()) return null;
        return out.size() == 1 ? out.get(0) : new FirstOf(out);
    }

    /**
     * A time field: a timestamp column, an integer or float column of epoch numbers (seconds unless the mapping
     * names {@code ::epoch_ms} or {@code ::epoch_us}), ISO-8601 text, or a JSON pointer to a number or a text.
     */
    TimeValue time(String field, List<MessageShape.Ref> refs) {
        List<TimeValue> out = new ArrayList<>();
        for (MessageShape.Ref ref : refs) {
            SqlDialect.Column col = column(ref);
            if (col == null) continue;
            String expr = qualified(ref, col);
            Times.Unit unit = ref.unit();
            SqlDialect.Kind kind = col.kind();
            if (ref.pointer() != null) {
                if (kind != SqlDialect.Kind.JSON && kind != SqlDialect.Kind.TEXT) {
                    check.problem("columns." + field + ": \"" + ref.text() + "\" points into column " + col.name() + " of type " + col.type()
                            + "; a JSON pointer needs a json, jsonb or text column");
                    continue;
                }
                out.add(new TextTime(JsonAt.of(select.add(dialect.text(expr, col)), ref.pointer()), unit, zone));
            } else if (kind == SqlDialect.Kind.TIMESTAMP_ZONED || kind == SqlDialect.Kind.TIMESTAMP_LOCAL) {
                if (unit != null)
                    check.problem("columns." + field + ": \"" + ref.text() + "\" names a unit, but " + col.name() + " is a " + col.type()
                            + " column (a unit applies to numbers and text)");
                out.add(new NativeTime(select.add(dialect.timestamp(expr, col)), dialect, col, zone));
            } else if (kind == SqlDialect.Kind.INTEGER || kind == SqlDialect.Kind.DECIMAL) {
                if (unit == Times.Unit.ISO)
                    check.problem("columns." + field + ": \"" + ref.text() + "\": " + col.name() + " is a number (" + col.type() + "), not ISO text");
                boolean floating = col.type().toLowerCase(java.util.Locale.ROOT).matches("float.*|double.*|real.*");
                Value number = floating ? new ColumnDouble(select.add(expr)) : new ColumnText(select.add(dialect.text(expr, col)));
                out.add(new TextTime(number, unit == null ? Times.Unit.EPOCH_S : unit, zone));
            } else if (kind == SqlDialect.Kind.TEXT) {
                out.add(new TextTime(new ColumnText(select.add(dialect.text(expr, col))), unit == null ? Times.Unit.ISO : unit, zone));
            } else if (kind == SqlDialect.Kind.JSON) {
                out.add(new TextTime(JsonAt.of(select.add(dialect.text(expr, col)), ""), unit, zone));
            } else {
                check.problem("columns." + field + ": column \"" + col.name() + "\" has type " + col.type() + "; a time must be a timestamp, "
                        + "an epoch number (integer or float), ISO-8601 text, or a JSON pointer to one");
            }
        }
        if (out.isEmpty()) return null;
        return out.size() == 1 ? out.get(0) : new FirstTime(out);
    }

    /**
     * A key computed in SQL (the conversation, which pages are read by): a column (its own type), a value inside a
     * json column (text), or alternatives, each value tagged with the alternative it came from ({@code topic_id:42}),
     * so that equal values of different kinds stay different conversations (text). Null when it cannot be read.
     */
    Key key(String field, List<MessageShape.Ref> refs) {
        List<String> exprs = new ArrayList<>();
        IdType type = null;
        for (MessageShape.Ref ref : refs) {
            SqlDialect.Column col = column(ref);
            if (col == null) return null;
            if (ref.unit() != null) check.problem("columns." + field + ": \"" + ref.text() + "\" names a time unit; it is not a time");
            String expr = qualified(ref, col);
            if (ref.pointer() != null) {
                boolean jsonColumn = col.kind() == SqlDialect.Kind.JSON || (col.kind() == SqlDialect.Kind.TEXT && dialect instanceof MySqlDialect);
                if (!jsonColumn) {
                    check.problem("columns." + field + ": \"" + ref.text() + "\" points into column " + col.name() + " of type " + col.type()
                            + "; a key inside JSON needs a json" + (dialect instanceof MySqlDialect ? "" : " or jsonb") + " column");
                    return null;
                }
                List<String> path = new ArrayList<>();
                for (String seg : ref.pointer().isEmpty() ? new String[0] : ref.pointer().substring(1).split("/", -1)) {
                    String s = seg.replace("~1", "/").replace("~0", "~");
                    if (!SqlDialect.SAFE_JSON_SEGMENT.matcher(s).matches()) {
                        check.problem("columns." + field + ": \"" + ref.text() + "\": a key's JSON pointer may name only letters, digits, _ and - "
                                + "(it is written into the page query)");
                        return null;
                    }
                    path.add(s);
                }
                if (path.isEmpty()) {
                    check.problem("columns." + field + ": \"" + ref.text() + "\" is the whole JSON value; point at the key inside it");
                    return null;
                }
                exprs.add(dialect.jsonText(expr, path));
                type = IdType.TEXT;
            } else {
                IdType t = dialect.idType(col);
                if (t == null) {
                    check.problem("columns." + field + ": column \"" + col.name() + "\" has type " + col.type()
                            + "; a conversation id must be an integer, uuid or text (shards are ranges of it)");
                    return null;
                }
                exprs.add(dialect.idText(expr, t));
                type = t;
            }
        }
        if (exprs.isEmpty()) return null;
        if (exprs.size() == 1) {
            MessageShape.Ref only = refs.get(0);
            // a plain column is compared as itself (its index serves the pages); a JSON value as its text
            return only.pointer() == null ? new Key(qualified(only, column(only)), type) : new Key(exprs.get(0), IdType.TEXT);
        }
        StringBuilder k = new StringBuilder("(CASE");
        for (int i = 0; i < exprs.size(); i++) {
            String label = refs.get(i).text().replace("'", "");
            k.append(" WHEN ").append(exprs.get(i)).append(" IS NOT NULL THEN ").append(dialect.concat("'" + label + ":'", exprs.get(i)));
        }
        return new Key(k.append(" END)").toString(), IdType.TEXT);
    }
}
