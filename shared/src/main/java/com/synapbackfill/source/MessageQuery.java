package com.synapbackfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The message shape's reading (docs/design.md §2b): a row per message, read in pages of whole conversations by
 * keyset on the conversation id, {@code ORDER BY conversation, order|createdAt, id}, and paired into turns by
 * {@link MessagePairing}. The FROM clause with its joins, the select list and the order are built once from the
 * catalog check.
 */
final class MessageQuery implements ShapeQuery {
    /** The values that may come from a join or from inside JSON, in select-list order from position 3. */
    private static final String[] VALUE_FIELDS = {"userId", "customerId", "role", "text"};

    private final SourceConnection db;
    private final SqlDialect dialect;
    private final MessageShape shape;
    private final ShardKey key;
    private final SqlDialect.Column createdAt;
    private final ZoneId zone;
    private final String selectList;
    private final List<Object> selectBinds;
    /** {@code table sb_m LEFT JOIN ...} */
    private final String from;
    /** the conversation column, qualified ({@code sb_m."chatId"}) */
    private final String conversation;
    /** {@code conversation, order (or created), id} */
    private final String orderBy;
    /** the message id's type (for re-reading failures by id) */
    private final IdType idType;
    /** the message id column, qualified */
    private final String idColumn;
    /** per value user, customer, role, text: read as JSON */
    private final boolean[] json;
    /** per value user, customer, role, text: the pointer, or null */
    private final String[] pointers;

    private MessageQuery(SourceConnection db, MessageShape shape, ShardKey key, SqlDialect.Column createdAt, ZoneId zone, String selectList,
                         List<Object> selectBinds, String from, String conversation, String orderBy, IdType idType, String idColumn,
                         boolean[] json, String[] pointers) {
        this.db = db;
        this.dialect = db.dialect();
        this.shape = shape;
        this.key = key;
        this.createdAt = createdAt;
        this.zone = zone;
        this.selectList = selectList;
        this.selectBinds = selectBinds;
        this.from = from;
        this.conversation = conversation;
        this.orderBy = orderBy;
        this.idType = idType;
        this.idColumn = idColumn;
        this.json = json;
        this.pointers = pointers;
    }

    /** Checks every field, join and role setting against the catalog at once, and builds the query. */
    static MessageQuery check(CatalogCheck check) {
        SourceConfig config = check.config;
        SqlDialect dialect = check.dialect;
        MessageShape shape = config.messages();
        SqlDialect.Table table = check.sourceTable();
        Map<String, SqlDialect.Table> joined = new LinkedHashMap<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        StringBuilder from = new StringBuilder(dialect.quote(config.table()) + " sb_m");
        int j = 0;
        for (MessageShape.Join join : shape.parsedJoins()) {
            SqlDialect.Table jt = check.describe(join.table());
            String alias = "sb_j" + j++;
            aliases.put(join.alias(), alias);
            joined.put(join.alias(), jt);
            if (jt.columns().isEmpty()) {
                check.problem("joins: table \"" + join.table() + "\" not found");
                continue;
            }
            SqlDialect.Column key = jt.column(join.key());
            SqlDialect.Column ours = table.column(join.column());
            if (key == null) check.problem("joins: " + join.table() + " has no column \"" + join.key() + "\" (it has " + jt.names() + ")");
            if (ours == null) check.problem("joins: " + config.table() + " has no column \"" + join.column() + "\"");
            if (key != null && ours != null)
                from.append(" LEFT JOIN ").append(dialect.quote(join.table())).append(' ').append(alias).append(" ON ").append(alias).append('.')
                        .append(dialect.quote(key.name())).append(" = sb_m.").append(dialect.quote(ours.name()));
        }
        // the id, the conversation, the time and the order: plain columns of the message table
        SqlDialect.Column idCol = plain(check, table, shape, "id");
        IdType idType = idCol == null ? null : dialect.idType(idCol);
        if (idCol != null && idType == null)
            check.problem("columns.id: column \"" + idCol.name() + "\" has type " + idCol.type() + "; a message id must be an integer, uuid or text");
        SqlDialect.Column convCol = plain(check, table, shape, "conversationId");
        IdType convType = convCol == null ? null : dialect.idType(convCol);
        if (convCol != null && convType == null)
            check.problem("columns.conversationId: column \"" + convCol.name() + "\" has type " + convCol.type()
                    + "; a conversation id must be an integer, uuid or text (shards are ranges of it)");
        SqlDialect.Column ts = plain(check, table, shape, "createdAt");
        if (ts != null && ts.kind() != SqlDialect.Kind.TIMESTAMP_ZONED && ts.kind() != SqlDialect.Kind.TIMESTAMP_LOCAL)
            check.problem("columns.createdAt: column \"" + ts.name() + "\" has type " + ts.type() + "; it must be a timestamp");
        SqlDialect.Column orderCol = shape.ref("order") == null ? null : plain(check, table, shape, "order");
        if (orderCol != null && orderCol.kind() != SqlDialect.Kind.INTEGER && orderCol.kind() != SqlDialect.Kind.DECIMAL
                && orderCol.kind() != SqlDialect.Kind.TIMESTAMP_LOCAL && orderCol.kind() != SqlDialect.Kind.TIMESTAMP_ZONED)
            check.problem("columns.order: column \"" + orderCol.name() + "\" has type " + orderCol.type() + "; it must be a number or a timestamp");
        String[] exprs = new String[4];
        boolean[] json = new boolean[4];
        String[] pointers = new String[4];
        for (int k = 0; k < 4; k++) {
            String field = VALUE_FIELDS[k];
            MessageShape.Ref ref = shape.ref(field);
            exprs[k] = "NULL";
            if (ref == null) continue;
            SqlDialect.Table t = ref.table() == null ? table : joined.get(ref.table());
            SqlDialect.Column col = t == null ? null : t.column(ref.column());
            if (col == null) {
                // a B2C table has no customer column: the default name may be absent
                if (field.equals("customerId") && ref.table() == null && shape.columns().get("customerId").equals("customer_id")) continue;
                if (t != null && !t.columns().isEmpty())
                    check.problem("columns." + field + ": column \"" + ref.column() + "\" not found" + (ref.table() == null ? "" : " in " + ref.table()));
                continue;
            }
            boolean isJson = col.kind() == SqlDialect.Kind.JSON || ref.pointer() != null;
            if (ref.pointer() != null && col.kind() != SqlDialect.Kind.JSON && col.kind() != SqlDialect.Kind.TEXT)
                check.problem("columns." + field + ": \"" + shape.columns().get(field) + "\" points into column " + col.name()
                        + " of type " + col.type() + "; a JSON pointer needs a json, jsonb or text column");
            if (field.equals("text") && col.kind() != SqlDialect.Kind.TEXT && col.kind() != SqlDialect.Kind.JSON)
                check.problem("columns.text: column \"" + col.name() + "\" has type " + col.type() + "; it must be text, varchar, json or jsonb");
            json[k] = isJson;
            pointers[k] = ref.pointer();
            exprs[k] = dialect.text((ref.table() == null ? "sb_m" : aliases.get(ref.table())) + "." + dialect.quote(col.name()), col);
        }
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, " in " + config.table());
        check.throwIfProblems(config.table() + " (message shape)", table, " (map a field with --column FIELD=COLUMN, TABLE.COLUMN or "
                + "COLUMN#/json/pointer; fields: " + String.join(", ", MessageShape.DEFAULTS.keySet()) + ")");

        List<Object> predBinds = new ArrayList<>();
        String created = "sb_m." + dialect.quote(ts.name());
        String included = check.included(filter, filterColumns, "sb_m.", ts, predBinds);
        if (included != null) check.checkFilter(from + " WHERE " + included, predBinds);
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
        ShardKey key = new ShardKey(config.table(), dialect.quote(config.table()), dialect.quote(convCol.name()), convType, table.view());
        return new MessageQuery(check.db, shape, key, ts, config.zone(), select, List.copyOf(selectBinds), from.toString(), conv, orderBy,
                idType, id, json, pointers);
    }

    /** A field that must be a plain column of the message table (no join, no pointer). */
    private static SqlDialect.Column plain(CatalogCheck check, SqlDialect.Table table, MessageShape shape, String field) {
        MessageShape.Ref ref = shape.ref(field);
        if (ref.table() != null || ref.pointer() != null) {
            check.problem("columns." + field + ": \"" + shape.columns().get(field) + "\" must be a column of the message table itself");
            return null;
        }
        return check.require(table, field, ref.column());
    }

    @Override
    public ShardKey key() {
        return key;
    }

    @Override
    public List<Turn> readPage(Shard shard, String after, int limit) {
        if (key.type() != shard.idType())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.conversationId: the conversation id column is now "
                    + key.type() + " but the run was planned for " + shard.idType());
        return readConversations(shard, after, limit);
    }

    /** Whole conversations from the checkpoint ({@link ConversationPager}), read by keyset on the conversation key. */
    private List<Turn> readConversations(Shard shard, String after, int limit) {
        String p = dialect.param(key.type());
        String base = "SELECT " + selectList + " FROM " + from + " WHERE " + conversation;
        String upper = " AND " + conversation + " <= " + p + " ORDER BY " + orderBy + " LIMIT ?";
        return ConversationPager.page(new ConversationPager.Reader() {
            @Override
            public List<MessagePairing.Message> after(String lower, boolean inclusive, int chunk) {
                try (PreparedStatement ps = db.prepare(base + (inclusive ? " >= " : " > ") + p + upper)) {
                    int i = db.bindAll(ps, 1, selectBinds);
                    SourceConnection.bindId(ps, i, key.type(), lower, "checkpoint");
                    SourceConnection.bindId(ps, i + 1, key.type(), shard.hi(), "shard.hi");
                    ps.setInt(i + 2, chunk);
                    ps.setFetchSize(chunk);
                    return readMessages(ps);
                } catch (SQLException e) {
                    throw db.error("reading shard " + shard.shardNo(), e);
                }
            }

            @Override
            public List<MessagePairing.Message> conversation(String conversationId) {
                return readConversation(shard, conversationId);
            }
        }, shard.lo(), shard.loExclusive(), after, limit);
    }

    /** Items of whole conversations, by conversation id (for {@code estimate}). */
    List<Turn> readConversations(List<String> conversationIds) {
        List<Turn> out = new ArrayList<>();
        for (String c : conversationIds) out.addAll(MessagePairing.pair(readConversation(null, c)));
        return out;
    }

    /**
     * The database's plan of the page query when it would not use an index (then every page is a scan and sort of
     * the table), else null.
     */
    String unindexedPagePlan(SourceProfile p) {
        if (p.empty()) return null;
        String param = dialect.param(key.type());
        String sql = "SELECT " + selectList + " FROM " + from + " WHERE " + conversation + " >= " + param + " AND "
                + conversation + " <= " + param + " ORDER BY " + orderBy + " LIMIT 500";
        try {
            return dialect.fullScanPlan(db.get(), sql, "sb_m", ps -> {
                int i = db.bindAll(ps, 1, selectBinds);
                SourceConnection.bindId(ps, i, key.type(), p.minId(), "min");
                SourceConnection.bindId(ps, i + 1, key.type(), p.maxId(), "max");
            });
        } catch (SQLException e) {
            throw db.error("explaining the page query", e);
        }
    }

    /** Messages whose conversation id is NULL (no shard holds them: they are never read). */
    long messagesWithoutConversation() {
        try (PreparedStatement ps = db.prepare("SELECT count(*) FROM " + key.from() + " WHERE " + key.column() + " IS NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw db.error("counting messages without a conversation", e);
        }
    }

    /** The columns the page query of {@code shape} wants an index on, in order. */
    static String pageIndexColumns(MessageShape shape) {
        String order = shape.ref("order") != null ? shape.ref("order").column() : shape.ref("createdAt").column();
        return "(" + shape.ref("conversationId").column() + ", " + order + ", " + shape.ref("id").column() + ")";
    }

    /** Every message of one conversation, in order. */
    private List<MessagePairing.Message> readConversation(Shard shard, String conversationId) {
        String sql = "SELECT " + selectList + " FROM " + from + " WHERE " + conversation + " = " + dialect.param(key.type()) + " ORDER BY " + orderBy;
        try (PreparedStatement ps = db.prepare(sql)) {
            int i = db.bindAll(ps, 1, selectBinds);
            SourceConnection.bindId(ps, i, key.type(), conversationId, "conversation");
            ps.setFetchSize(1_000);
            return readMessages(ps);
        } catch (SQLException e) {
            throw db.error("reading conversation " + conversationId + (shard == null ? "" : " of shard " + shard.shardNo()), e);
        }
    }

    /**
     * Re-reads turns by the id of their first message (failure rows hold it): the conversations of those
     * messages are read whole and paired again; a turn whose first message is no longer first is absent.
     */
    @Override
    public List<Turn> readByIds(List<String> ids) {
        if (ids.isEmpty()) return List.of();
        Set<String> wanted = new HashSet<>(ids);
        Set<String> conversations = new LinkedHashSet<>();
        for (int f = 0; f < ids.size(); f += 1_000) {
            List<String> chunk = ids.subList(f, Math.min(ids.size(), f + 1_000));
            String in = String.join(", ", Collections.nCopies(chunk.size(), dialect.param(idType)));
            String sql = "SELECT DISTINCT " + dialect.idText(conversation, key.type()) + " AS sb_conversation FROM " + from
                    + " WHERE " + idColumn + " IN (" + in + ")";
            try (PreparedStatement ps = db.prepare(sql)) {
                int i = 1;
                for (String v : chunk) SourceConnection.bindId(ps, i++, idType, v, "failure row id");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) if (rs.getString(1) != null) conversations.add(rs.getString(1));
                }
            } catch (SQLException e) {
                throw db.error("finding the conversations of failed turns", e);
            }
        }
        List<Turn> out = new ArrayList<>();
        for (String c : conversations) {
            for (Turn t : MessagePairing.pair(readConversation(null, c))) if (!t.skipped() && wanted.contains(t.id())) out.add(t);
        }
        return out;
    }

    private List<MessagePairing.Message> readMessages(PreparedStatement ps) throws SQLException {
        List<MessagePairing.Message> out = new ArrayList<>();
        String[] raw = new String[4];
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                for (int k = 0; k < 4; k++) raw[k] = rs.getString(3 + k);
                // one parse per distinct JSON value of the row (LangChain's role and text share one document)
                JsonNode[] docs = new JsonNode[4];
                for (int k = 0; k < 4; k++) {
                    if (!json[k] || raw[k] == null) continue;
                    for (int q = 0; q < k; q++) if (json[q] && raw[k].equals(raw[q])) docs[k] = docs[q];
                    if (docs[k] == null) docs[k] = MessageValues.parse(raw[k]);
                }
                boolean included = rs.getBoolean(8);
                String role = MessageValues.scalar(raw[2], docs[2], pointers[2], json[2]);
                MessageValues.Text text = included ? MessageValues.text(raw[3], docs[3], pointers[3], json[3]) : MessageValues.Text.NONE;
                Instant created = dialect.readTimestamp(rs, 7, createdAt, zone);
                String conv = rs.getString(2);
                out.add(new MessagePairing.Message(rs.getString(1), conv == null ? "" : conv,
                        MessageValues.scalar(raw[0], docs[0], pointers[0], json[0]),
                        MessageValues.scalar(raw[1], docs[1], pointers[1], json[1]),
                        shape.kindOf(role), role, text.text(), text.unreadable() ? BadRowReason.UNREADABLE_TEXT : null,
                        created, included ? null : "filter"));
            }
        }
        return out;
    }
}
