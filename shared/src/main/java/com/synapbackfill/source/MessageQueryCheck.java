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
        Relation relation = check.relation();
        SqlDialect.Table table = relation.table();
        Map<String, FieldResolver.Source> joined = new LinkedHashMap<>();
        String joins = joins(check, relation, shape, joined);
        String from = relation.from("sb_m") + joins;
        SelectList select = new SelectList();
        int idAt = select.reserve();
        int convAt = select.reserve();
        int includedAt = select.reserve();
        FieldResolver fields = new FieldResolver(check, new FieldResolver.Source("sb_m", table, relation.name()), joined, select, config.zone());
        // the id: a plain column of the message table (failure items hold it; turns are re-read by it)
        SqlDialect.Column idCol = plain(check, table, shape, "id");
        IdType idType = idCol == null ? null : dialect.idType(idCol);
        if (idCol != null && idType == null)
            check.problem("columns.id: column \"" + idCol.name() + "\" has type " + idCol.type() + "; a message id must be an integer, uuid or text");
        // the conversation: what pages are read by, so it is SQL (a column, a value inside JSON, or alternatives)
        FieldResolver.Key conv = fields.key("conversationId", shape.refs("conversationId"));
        TimeValue created = undated(check, fields.time("createdAt", shape.refs("createdAt")), shape.refs("createdAt").isEmpty());
        Value user = fields.value("userId", shape.refs("userId"), false);
        List<MessageShape.Ref> customerRefs = shape.refs("customerId");
        // a B2C table has no customer column: the default name may be absent
        boolean noCustomer = customerRefs.size() == 1 && customerRefs.get(0).table() == null && customerRefs.get(0).pointer() == null
                && shape.columns().get("customerId").equals("customer_id") && table.column("customer_id") == null;
        Value customer = noCustomer ? null : fields.value("customerId", customerRefs, false);
        Value role = fields.value("role", shape.refs("role"), false);
        // the order inside a conversation: SQL when it is a number or timestamp column, else sorted when read
        List<MessageShape.Ref> orderRefs = shape.refs("order");
        String orderSql = null;
        Value orderValue = null;
        TimeValue orderTime = null;
        if (orderRefs.size() == 1 && orderRefs.get(0).pointer() == null && orderRefs.get(0).unit() == null) {
            SqlDialect.Column orderCol = fields.column(orderRefs.get(0));
            if (orderCol != null) {
                SqlDialect.Kind k = orderCol.kind();
                if (k == SqlDialect.Kind.INTEGER || k == SqlDialect.Kind.DECIMAL || k == SqlDialect.Kind.TIMESTAMP_LOCAL || k == SqlDialect.Kind.TIMESTAMP_ZONED)
                    orderSql = fields.qualified(orderRefs.get(0), orderCol);
                else if (k == SqlDialect.Kind.TEXT) orderValue = fields.value("order", orderRefs, false);
                else
                    check.problem("columns.order: column \"" + orderCol.name() + "\" has type " + orderCol.type() + "; it must be a number, a timestamp or text");
            }
        } else if (orderRefs.stream().anyMatch(r -> r.unit() != null)) {
            orderTime = fields.time("order", orderRefs);
        } else if (!orderRefs.isEmpty()) {
            orderValue = fields.value("order", orderRefs, false);
        }
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, " in " + relation.name());
        boolean nativeTime = created instanceof NativeTime;
        // the rows the run takes; a message left out is never read (its text is a CASE that is not true)
        List<Object> predBinds = new ArrayList<>();
        String createdSql = null;
        SqlDialect.Column ts = null;
        if (nativeTime) {
            MessageShape.Ref r = shape.ref("createdAt");
            ts = fields.column(r);
            createdSql = ts == null ? null : fields.qualified(r, ts);
        }
        String included = check.hasProblems() ? null : check.included(filter, filterColumns, "sb_m.", createdSql, ts, predBinds);
        String flag = included == null ? "TRUE" : "(" + included + ")";
        select.set(idAt, idCol == null || idType == null ? "NULL" : dialect.idText("sb_m." + dialect.quote(idCol.name()), idType), List.of());
        select.set(convAt, conv == null ? "NULL" : dialect.idText(conv.sql(), conv.type()), List.of());
        select.set(includedAt, flag, predBinds);
        List<Integer> textLengths = new ArrayList<>();
        Value text = fields.value("text", shape.refs("text"), true, included == null ? null : flag, predBinds, check.maxTextBytes, textLengths);
        boolean textJson = shape.refs("text").stream().anyMatch(r -> r.pointer() != null)
                || shape.refs("text").stream().map(fields::column).anyMatch(c -> c != null && c.kind() == SqlDialect.Kind.JSON);
        check.throwIfProblems(relation.name() + " (message shape)", relation, " (map a field with --column FIELD=COLUMN, TABLE.COLUMN, "
                + "COLUMN#/json/pointer, or alternatives A " + MessageShape.OR + " B; fields: " + String.join(", ", MessageShape.DEFAULTS.keySet()) + ")");
        if (idAt != MessageQuery.ID || convAt != MessageQuery.CONVERSATION || includedAt != MessageQuery.INCLUDED) throw new IllegalStateException("select list out of order");
        if (included != null) check.checkFilter(from + " WHERE " + included, predBinds);

        String id = "sb_m." + dialect.quote(idCol.name());
        String order = orderSql != null ? orderSql : nativeTime && orderValue == null && orderTime == null ? createdSql : null;
        String orderBy = conv.sql() + ", " + (order == null ? "" : order + ", ") + id;
        boolean keyOnJoin = conv.sql().contains("sb_j");
        ShardKey key = new ShardKey(relation.statsTable(), keyOnJoin ? from : relation.from("sb_m"), conv.sql(), conv.type(),
                relation.derived() || keyOnJoin);
        // MySQL/MariaDB compare a text key in its collation: ids that differ only by case (or accents, in a _ci collation) are one
        // key to the pages, so they are one conversation here too (grouped by the collation's weight), never a row skipped
        int weight = dialect instanceof MySqlDialect && conv.type() == IdType.TEXT ? select.add("HEX(WEIGHT_STRING(" + conv.sql() + "))") : 0;
        // branches: a parent (and the leaf the user last saw), when the mapping names them
        Value parent = shape.refs("parentId").isEmpty() ? null : fields.value("parentId", shape.refs("parentId"), false);
        Value current = shape.refs("currentId").isEmpty() ? null : fields.value("currentId", shape.refs("currentId"), false);
        if (current != null && parent == null) check.problem("columns.currentId: needs columns.parentId (the leaf is found by its parents)");
        MessageQuery.Fields f = new MessageQuery.Fields(user, customer, role, text, created, !nativeTime, orderValue, orderTime,
                orderSql == null && orderValue == null && orderTime == null && !nativeTime, List.copyOf(textLengths),
                textJson ? check.maxTextBytes * 16L : check.maxTextBytes, weight, parent, current);
        String hint = indexHint(dialect, relation, conv.sql(), order, id, keyOnJoin);
        return new MessageQuery(check.db, config, key, select, from, conv.sql(), orderBy, idType, id, f, hint);
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
        if (ref.table() != null || ref.pointer() != null || shape.refs(field).size() > 1 || ref.unit() != null) {
            check.problem("columns." + field + ": \"" + shape.columns().get(field) + "\" must be a column of the message table itself");
            return null;
        }
        return check.require(table, field, ref.column());
    }
}
