package com.synapbackfill.source;

import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
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
    static final int ID = 1;
    static final int CONVERSATION = 2;
    static final int INCLUDED = 3;

    private final SourceConnection db;
    private final SqlDialect dialect;
    private final SourceConfig config;
    private final MessageShape shape;
    private final ShardKey key;
    private final String selectList;
    private final List<Object> selectBinds;
    /** {@code relation sb_m LEFT JOIN ...} */
    private final String from;
    /** the conversation key's SQL over {@code from} ({@code sb_m."chatId"}, or computed) */
    private final String conversation;
    /** {@code conversation, order (or created when SQL can order by it), id} */
    private final String orderBy;
    /** the message id's type (for re-reading failures by id) */
    private final IdType idType;
    /** the message id column, qualified */
    private final String idColumn;
    private final Fields fields;
    /** The leaf the user last saw, per conversation read (the currentId field), for the branch rule. */
    private final java.util.Map<String, String> currentLeaf = new java.util.HashMap<>();
    private final String indexHint;

    /** The values read per message, and how messages are ordered inside a conversation when SQL cannot order them. */
    record Fields(Value user, Value customer, Value role, Value text, TimeValue createdAt, boolean cutoverInJava,
                          Value orderValue, TimeValue orderTime, boolean sortByCreated, List<Integer> textLengths, long textCap,
                          int collationWeight, Value parent, Value current, Value currentChild) {
        boolean sortInJava() {
            return orderValue != null || orderTime != null || sortByCreated;
        }
    }

    MessageQuery(SourceConnection db, SourceConfig config, ShardKey key, SelectList select, String from, String conversation,
                         String orderBy, IdType idType, String idColumn, Fields fields, String indexHint) {
        this.db = db;
        this.dialect = db.dialect();
        this.config = config;
        this.shape = config.messages();
        this.key = key;
        this.selectList = select.sql();
        this.selectBinds = select.binds();
        this.from = from;
        this.conversation = conversation;
        this.orderBy = orderBy;
        this.idType = idType;
        this.idColumn = idColumn;
        this.fields = fields;
        this.indexHint = indexHint;
    }

    @Override
    public ShardKey key() {
        return key;
    }

    @Override
    public List<Turn> readPage(Shard shard, String after, int limit) {
        key.requirePlannedType(shard, "columns.conversationId: the conversation id column");
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

            @Override
            public List<Turn> pair(List<MessagePairing.Message> conversation) {
                return MessageQuery.this.pair(conversation);
            }
        }, shard.lo(), shard.loExclusive(), after, limit);
    }

    /** Items of whole conversations, by conversation id (for {@code estimate}). */
    List<Turn> readConversations(List<String> conversationIds) {
        List<Turn> out = new ArrayList<>();
        for (String c : conversationIds) out.addAll(pair(readConversation(null, c)));
        return out;
    }

    /** One conversation's items: the branch rule first when a parent is mapped. */
    private List<Turn> pair(List<MessagePairing.Message> conversation) {
        if (fields.parent() == null || conversation.isEmpty()) return MessagePairing.pair(conversation);
        return MessagePairing.pair(MessagePairing.branches(conversation, currentLeaf.get(conversation.get(0).conversationId())));
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
            // a query's own tables have their own aliases: a scan of any of them is a scan on every page
            return dialect.fullScanPlan(db.get(), sql, key.table() == null ? "\\S+" : "sb_m", ps -> {
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

    /**
     * MySQL/MariaDB: how many groups of conversation ids the key's collation holds equal although they differ (by case, by
     * accents): each group is read as one conversation. 0 elsewhere.
     */
    long foldedConversations() {
        if (fields.collationWeight() == 0) return 0;
        String sql = "SELECT count(*) FROM (SELECT 1 AS one FROM " + key.from() + " WHERE " + key.column() + " IS NOT NULL GROUP BY "
                + key.column() + " HAVING COUNT(DISTINCT CAST(" + key.column() + " AS BINARY)) > 1) sb_f";
        try (PreparedStatement ps = db.prepare(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw db.error("counting conversation ids the collation merges", e);
        }
    }

    /** The index the page query wants, as a statement the database accepts; null when no index can serve it. */
    String indexHint() {
        return indexHint;
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
            for (Turn t : pair(readConversation(null, c))) if (!t.skipped() && wanted.contains(t.id())) out.add(t);
        }
        return out;
    }

    /** A message as read, with the key that orders it inside its conversation when SQL could not. */
    private record Keyed(MessagePairing.Message message, Comparable<Object> order) {
        /** The same message in conversation {@code conversationId}. */
        Keyed in(String conversationId) {
            MessagePairing.Message m = message;
            if (m.conversationId().equals(conversationId)) return this;
            return new Keyed(m.in(conversationId), order);
        }
    }

    private List<MessagePairing.Message> readMessages(PreparedStatement ps) throws SQLException {
        List<Keyed> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            Row row = new Row(rs);
            String lastWeight = null;
            while (row.next()) {
                Keyed k;
                try {
                    k = message(row);
                } catch (Row.Undecodable e) {
                    // one message's bytes are no text: a bad message naming why, its conversation goes on
                    String conv = rs.getString(CONVERSATION);
                    k = new Keyed(new MessagePairing.Message(rs.getString(ID), conv == null ? "" : conv, null, null, "user", null, null,
                            BadRowReason.UNREADABLE_TEXT, null, null, e.getMessage()), null);
                }
                if (fields.collationWeight() > 0) {
                    // the collation's equal keys are adjacent (ORDER BY the key): they take the first one's id
                    String w = rs.getString(fields.collationWeight());
                    if (w != null && w.equals(lastWeight) && !out.isEmpty()) k = k.in(out.get(out.size() - 1).message().conversationId());
                    lastWeight = w;
                }
                out.add(k);
            }
        }
        if (!fields.sortInJava()) return out.stream().map(Keyed::message).toList();
        // each conversation's messages by their order key (none first), SQL's order (..., id) kept between equals
        List<MessagePairing.Message> sorted = new ArrayList<>(out.size());
        int start = 0;
        for (int i = 1; i <= out.size(); i++) {
            if (i < out.size() && out.get(i).message().conversationId().equals(out.get(start).message().conversationId())) continue;
            List<Keyed> conv = new ArrayList<>(out.subList(start, i));
            conv.sort(Comparator.comparing(Keyed::order, Comparator.nullsFirst(Comparator.naturalOrder())));
            for (Keyed k : conv) sorted.add(k.message());
            start = i;
        }
        return sorted;
    }

    private Keyed message(Row row) throws SQLException {
        ResultSet rs = row.resultSet();
        boolean included = rs.getBoolean(INCLUDED);
        TimeValue.Timed created = fields.createdAt().read(row);
        if (included && fields.cutoverInJava() && !CatalogCheck.withinCutover(config, created.at())) included = false;
        String role = fields.role() == null ? null : Value.scalar(fields.role().read(row));
        String kind = shape.kindOf(role);
        // the role decides first: the text of a message of another role is never looked at
        MessageValues.Text text = included && kind != null && fields.text() != null ? Value.text(fields.text().read(row)) : MessageValues.Text.NONE;
        BadRowReason problem = null;
        String detail = null;
        long longest = 0;
        for (int at : fields.textLengths()) longest = Math.max(longest, rs.getLong(at));
        if (included && kind != null && fields.textCap() > 0 && longest > fields.textCap()) {
            // never read: it could not be sent whatever it holds
            problem = BadRowReason.DOCUMENT_TOO_LARGE;
            detail = "the text is " + longest + " bytes";
        } else if (text.unreadable()) {
            problem = BadRowReason.UNREADABLE_TEXT;
        } else if (created.unreadable() != null) {
            problem = BadRowReason.UNREADABLE_TIMESTAMP;
            detail = created.unreadable();
        }
        String conv = rs.getString(CONVERSATION);
        String convId = conv == null ? "" : conv;
        if (fields.current() != null) {
            String leaf = Value.scalar(fields.current().read(row));
            if (leaf != null) currentLeaf.put(convId, leaf);
        }
        MessagePairing.Message m = new MessagePairing.Message(rs.getString(ID), convId,
                fields.user() == null ? null : Value.scalar(fields.user().read(row)),
                fields.customer() == null ? null : Value.scalar(fields.customer().read(row)),
                kind, role, text.text(), problem, created.at(), included ? null : "filter", detail,
                fields.parent() == null ? null : Value.scalar(fields.parent().read(row)),
                fields.currentChild() == null ? null : Value.scalar(fields.currentChild().read(row)));
        return new Keyed(m, orderKey(row, created));
    }

    /** The order key read from the row when SQL cannot order by it: a number before text, a time, or the message's time. */
    @SuppressWarnings("unchecked")
    private Comparable<Object> orderKey(Row row, TimeValue.Timed created) throws SQLException {
        Object key = null;
        if (fields.orderTime() != null) key = fields.orderTime().read(row).at();
        else if (fields.orderValue() != null) {
            String v = Value.scalar(fields.orderValue().read(row));
            key = v == null ? null : Times.numeric(v) ? (Object) new OrderKey(new java.math.BigDecimal(v.trim()), null) : new OrderKey(null, v);
        } else if (fields.sortByCreated()) key = created.at();
        return (Comparable<Object>) key;
    }

    /** An order value: numbers in numeric order, before texts in text order. */
    private record OrderKey(java.math.BigDecimal number, String text) implements Comparable<OrderKey> {
        @Override
        public int compareTo(OrderKey o) {
            if (number != null && o.number != null) return number.compareTo(o.number);
            if (number != null) return -1;
            if (o.number != null) return 1;
            return text.compareTo(o.text);
        }
    }

    @Override
    public boolean customerMapped() {
        return fields.customer() != null;
    }
}
