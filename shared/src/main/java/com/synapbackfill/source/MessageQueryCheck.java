package com.synapbackfill.source;

import com.synapbackfill.model.IdType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message-shape source checked against the catalog and built into its {@link MessageQuery}: every field, join and
 * role setting at once (one error naming each problem), the conversation key, the order inside a conversation, the
 * index hint. The joins and plain columns are shared with the conversation shape.
 */
final class MessageQueryCheck {
    private MessageQueryCheck() {
    }

    /** Checks every field, join and role setting against the catalog at once, and builds the query. */
    static MessageQuery check(CatalogCheck check) {
        SourceConfig config = check.config;
        SqlDialect dialect = check.dialect;
        MessageShape shape = config.messages();
        Joined joined = Joined.of(check, shape);
        Relation relation = joined.relation();
        SqlDialect.Table table = relation.table();
        String from = joined.from();
        SelectList select = new SelectList();
        int idAt = select.reserve();
        int convAt = select.reserve();
        int includedAt = select.reserve();
        FieldResolver fields = joined.fields(check, select);
        SqlDialect.Column idCol = plain(check, table, shape, "id");
        IdType idType = idType(check, idCol, "columns.id", "a message id");
        // the conversation: what pages are read by, so it is SQL (a column, a value inside JSON, or alternatives)
        FieldResolver.Key conv = fields.key("conversationId", shape.refs("conversationId"));
        TimeValue created = undated(check, fields.time("createdAt", shape.refs("createdAt")), shape.refs("createdAt").isEmpty());
        Value user = fields.value("userId", shape.refs("userId"), false);
        Value customer = customer(fields, shape, table);
        Value role = fields.value("role", shape.refs("role"), false);
        Order ordered = order(check, fields, shape.refs("order"));
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, " in " + relation.name(), "sb_m.", joined.joins());
        boolean nativeTime = created instanceof NativeTime;
        // the rows the run takes; a message left out is never read (its text is a CASE that is not true)
        List<Object> predBinds = new ArrayList<>();
        SqlDialect.Column ts = nativeTime ? fields.column(shape.ref("createdAt")) : null;
        String createdSql = ts == null ? null : fields.qualified(shape.ref("createdAt"), ts);
        String included = check.hasProblems() ? null : check.included(filter, filterColumns, "sb_m.", createdSql, ts, predBinds);
        String flag = included == null ? "TRUE" : "(" + included + ")";
        select.set(idAt, idCol == null || idType == null ? "NULL" : dialect.idText("sb_m." + dialect.quote(idCol.name()), idType), List.of());
        select.set(convAt, conv == null ? "NULL" : dialect.idText(conv.sql(), conv.type()), List.of());
        select.set(includedAt, flag, predBinds);
        List<Integer> textLengths = new ArrayList<>();
        Value text = fields.value("text", shape.refs("text"), true, included == null ? null : flag, predBinds, check.maxTextBytes, textLengths);
        boolean textJson = textInJson(fields, shape);
        check.throwIfProblems(relation.name() + " (message shape)", relation, " (map a field with --column FIELD=COLUMN, TABLE.COLUMN, "
                + "COLUMN#/json/pointer, or alternatives A " + MessageShape.OR + " B; fields: " + String.join(", ", MessageShape.DEFAULTS.keySet()) + ")");
        if (idAt != MessageQuery.ID || convAt != MessageQuery.CONVERSATION || includedAt != MessageQuery.INCLUDED) throw new IllegalStateException("select list out of order");
        if (included != null) check.checkFilter(from + " WHERE " + included, predBinds);
        String id = "sb_m." + dialect.quote(idCol.name());
        String order = ordered.sql() != null ? ordered.sql() : nativeTime && ordered.value() == null && ordered.time() == null ? createdSql : null;
        String orderBy = conv.sql() + ", " + (order == null ? "" : order + ", ") + id;
        boolean keyOnJoin = conv.sql().contains("sb_j");
        ShardKey key = new ShardKey(relation.statsTable(), keyOnJoin ? from : relation.from("sb_m"), conv.sql(), conv.type(),
                relation.derived() || keyOnJoin);
        int weight = collationWeight(dialect, conv, select);
        // branches: a parent (and the leaf the user last saw), when the mapping names them
        Value parent = shape.refs("parentId").isEmpty() ? null : fields.value("parentId", shape.refs("parentId"), false);
        Value current = shape.refs("currentId").isEmpty() ? null : fields.value("currentId", shape.refs("currentId"), false);
        Value currentChild = shape.refs("currentChildId").isEmpty() ? null : fields.value("currentChildId", shape.refs("currentChildId"), false);
        if (current != null && parent == null) check.problem("columns.currentId: needs columns.parentId (the leaf is found by its parents)");
        if (currentChild != null && parent == null)
            check.problem("columns.currentChildId: needs columns.parentId (the chain is followed from the root along the parents' pointers)");
        MessageQuery.Fields f = new MessageQuery.Fields(user, customer, role, text, created, !nativeTime, ordered.value(), ordered.time(),
                ordered.sql() == null && ordered.value() == null && ordered.time() == null && !nativeTime, List.copyOf(textLengths),
                textJson ? check.maxTextBytes * 16L : check.maxTextBytes, weight, parent, current, currentChild);
        String hint = indexHint(dialect, relation, conv.sql(), order, id, keyOnJoin);
        return new MessageQuery(check.db, config, key, select, from, conv.sql(), orderBy, idType, id, f, hint);
    }

    /** How messages are ordered inside a conversation: by SQL ({@code sql}), or sorted when read by a value or a time; all null: none mapped. */
    private record Order(String sql, Value value, TimeValue time) {
    }

    /** The order inside a conversation: SQL when it is a number or timestamp column, else sorted when read. */
    private static Order order(CatalogCheck check, FieldResolver fields, List<MessageShape.Ref> orderRefs) {
        if (orderRefs.size() == 1 && orderRefs.get(0).pointer() == null && orderRefs.get(0).unit() == null) {
            SqlDialect.Column orderCol = fields.column(orderRefs.get(0));
            if (orderCol == null) return new Order(null, null, null);
            SqlDialect.Kind k = orderCol.kind();
            if (k == SqlDialect.Kind.INTEGER || k == SqlDialect.Kind.DECIMAL || k == SqlDialect.Kind.TIMESTAMP_LOCAL || k == SqlDialect.Kind.TIMESTAMP_ZONED)
                return new Order(fields.qualified(orderRefs.get(0), orderCol), null, null);
            if (k == SqlDialect.Kind.TEXT) return new Order(null, fields.value("order", orderRefs, false), null);
            check.problem("columns.order: column \"" + orderCol.name() + "\" has type " + orderCol.type() + "; it must be a number, a timestamp or text");
            return new Order(null, null, null);
        }
        if (orderRefs.stream().anyMatch(r -> r.unit() != null)) return new Order(null, null, fields.time("order", orderRefs));
        if (!orderRefs.isEmpty()) return new Order(null, fields.value("order", orderRefs, false), null);
        return new Order(null, null, null);
    }

    /** Whether the text is read out of JSON (a pointer, or a JSON column): its size is checked against a larger bound. */
    private static boolean textInJson(FieldResolver fields, MessageShape shape) {
        return shape.refs("text").stream().anyMatch(r -> r.pointer() != null)
                || shape.refs("text").stream().map(fields::column).anyMatch(c -> c != null && c.kind() == SqlDialect.Kind.JSON);
    }

    /** The customer id; none when the mapping keeps the default name and the table has no such column (a B2C table). */
    static Value customer(FieldResolver fields, MessageShape shape, SqlDialect.Table table) {
        List<MessageShape.Ref> customerRefs = shape.refs("customerId");
        boolean noCustomer = customerRefs.size() == 1 && customerRefs.get(0).table() == null && customerRefs.get(0).pointer() == null
                && shape.columns().get("customerId").equals("customer_id") && table.column("customer_id") == null;
        return noCustomer ? null : fields.value("customerId", customerRefs, false);
    }

    /**
     * The type of an id column (a message's: failure items hold it and turns are re-read by it; a conversation row's: shards
     * are ranges of it); another than an integer, uuid or text is a problem naming {@code field}.
     */
    static IdType idType(CatalogCheck check, SqlDialect.Column idCol, String field, String what) {
        IdType idType = idCol == null ? null : check.dialect.idType(idCol);
        if (idCol != null && idType == null)
            check.problem(field + ": column \"" + idCol.name() + "\" has type " + idCol.type() + "; " + what + " must be an integer, uuid or text");
        return idType;
    }

    /** The message table with the mapping's joins: what both message shapes read from ({@code sb_m}, and {@code sb_j*} joined). */
    record Joined(Relation relation, Map<String, FieldResolver.Source> joins, String from) {
        static Joined of(CatalogCheck check, MessageShape shape) {
            Relation relation = check.relation();
            Map<String, FieldResolver.Source> joined = new LinkedHashMap<>();
            String from = relation.from("sb_m") + MessageQueryCheck.joins(check, relation, shape, joined);
            return new Joined(relation, joined, from);
        }

        /** A resolver of the mapping's fields over the table and its joins, adding what it reads to {@code select}. */
        FieldResolver fields(CatalogCheck check, SelectList select) {
            return new FieldResolver(check, new FieldResolver.Source("sb_m", relation.table(), relation.name()), joins, select,
                    check.config.zone());
        }
    }

    /**
     * MySQL/MariaDB compare a text key in its collation: ids that differ only by case (or accents, in a _ci collation) are one
     * key to the pages, so they are one conversation here too (grouped by the collation's weight, this select position), never
     * a row skipped. 0 elsewhere.
     */
    private static int collationWeight(SqlDialect dialect, FieldResolver.Key conv, SelectList select) {
        return dialect instanceof MySqlDialect && conv.type() == IdType.TEXT ? select.add("HEX(WEIGHT_STRING(" + conv.sql() + "))") : 0;
    }

    /**
     * The time as read, or the operator's {@code --undated-at} for messages without one; a source with no time and no
     * such instant is refused, naming the option.
     */
    static TimeValue undated(CatalogCheck check, TimeValue created, boolean unmapped) {
        java.time.Instant at = check.config.undatedAtInstant();
        if (at != null) return new UndatedTime(created, at);
        if (unmapped)
            check.problem("columns.createdAt: is mapped to none, and a history without times cannot be dated by guessing: give "
                    + "--undated-at TIMESTAMP (undatedAt), the instant every such message is dated at (recency and temporal reasoning then see one day)");
        return created;
    }

    /** The index the page query wants, as SQL the database accepts; null when none can serve it (a key on a joined table). */
    static String indexHint(SqlDialect dialect, Relation relation, String conv, String order, String id, boolean keyOnJoin) {
        if (relation.query() || keyOnJoin) return null;
        String computed = conv.startsWith("(") ? "(" + conv + ")" : conv;
        String columns = String.join(", ", computed, order == null ? id : order + ", " + id).replace("sb_m.", "");
        return "CREATE INDEX backfill_pages ON " + relation.sql() + " (" + columns + ")";
    }

    /** The LEFT JOINs of the mapping's joined tables onto {@code sb_m}, each checked against the catalog; {@code joined} gets their sources. */
    static String joins(CatalogCheck check, Relation relation, MessageShape shape, Map<String, FieldResolver.Source> joined) {
        SqlDialect dialect = check.dialect;
        SqlDialect.Table table = relation.table();
        StringBuilder joins = new StringBuilder();
        int j = 0;
        for (MessageShape.Join join : shape.parsedJoins()) {
            SqlDialect.Table jt = check.describe(join.table());
            String alias = "sb_j" + j++;
            joined.put(join.alias(), new FieldResolver.Source(alias, jt, join.table()));
            if (jt.columns().isEmpty()) {
                check.problem("joins: table \"" + join.table() + "\" not found");
                continue;
            }
            SqlDialect.Column key = jt.column(join.key());
            SqlDialect.Column ours = table.column(join.column());
            if (key == null) check.problem("joins: " + join.table() + " has no column \"" + join.key() + "\" (it has " + jt.names() + ")");
            if (ours == null) check.problem("joins: " + relation.name() + " has no column \"" + join.column() + "\"");
            if (key != null && ours != null)
                joins.append(" LEFT JOIN ").append(dialect.quote(join.table())).append(' ').append(alias).append(" ON ").append(alias).append('.')
                        .append(dialect.quote(key.name())).append(" = sb_m.").append(dialect.quote(ours.name()));
        }
        return joins.toString();
    }

    /** A field that must be a plain column of the message table (no join, no pointer). */
    static SqlDialect.Column plain(CatalogCheck check, SqlDialect.Table table, MessageShape shape, String field) {
        MessageShape.Ref ref = shape.ref(field);
        if (ref.isConstant() || ref.table() != null || ref.pointer() != null || shape.refs(field).size() > 1 || ref.unit() != null) {
            check.problem("columns." + field + ": \"" + shape.columns().get(field) + "\" must be a column of the message table itself");
            return null;
        }
        return check.require(table, field, ref.column());
    }
}
