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
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The conversations shape: a row per conversation, its messages inside a JSON value (Open WebUI's {@code chat},
 * LangChain's {@code History} list, LlamaIndex's chat store): an array in order, or a map of messages by id with parent
 * links and, optionally, the leaf the user last saw. Shards are ranges of the rows' id; a page reads whole rows, so no
 * conversation is ever cut. Pairing, branches, counters, filters and the cutover are the message shape's; a message's
 * item id is {@code ROW/MESSAGE} (its message id, or its place when messages have none), so a failure can be read again.
 */
final class ConversationsQuery implements ShapeQuery {
    private static final int ROW = 1;
    private static final int INCLUDED = 2;

    private final SourceConnection db;
    private final SqlDialect dialect;
    private final SourceConfig config;
    private final MessageShape shape;
    private final ShardKey key;
    private final String selectList;
    private final List<Object> selectBinds;
    private final String from;
    private final Row0 row;

    /** What is read from each row, and the message-level pointers. */
    private record Row0(Value user, Value customer, Value messages, Value current, TimeValue rowTime, Instant undated, ZoneId zone,
                        MessageShape.MessageRef id, MessageShape.MessageRef role, MessageShape.MessageRef text,
                        MessageShape.MessageRef createdAt, MessageShape.MessageRef parent, MessageShape.MessageRef currentChild,
                        MessageShape.MessageRef order) {
    }

    private ConversationsQuery(SourceConnection db, SourceConfig config, ShardKey key, SelectList select, String from, Row0 row) {
        this.db = db;
        this.dialect = db.dialect();
        this.config = config;
        this.shape = config.messages();
        this.key = key;
        this.selectList = select.sql();
        this.selectBinds = select.binds();
        this.from = from;
        this.row = row;
    }

    /** Checks the row's fields against the catalog (every problem at once), and builds the query. */
    static ConversationsQuery check(CatalogCheck check) {
        SelectList select = new SelectList();
        int rowAt = select.reserve();
        int includedAt = select.reserve();
        SourceConfig config = check.config;
        SqlDialect dialect = check.dialect;
        MessageShape shape = config.messages();
        MessageQueryCheck.Joined joined = MessageQueryCheck.Joined.of(check, shape);
        Relation relation = joined.relation();
        SqlDialect.Table table = relation.table();
        FieldResolver fields = joined.fields(check, select);
        // the row's id: the conversation, what shards are ranges of
        SqlDialect.Column idCol = MessageQueryCheck.plain(check, table, shape, "conversationId");
        IdType idType = MessageQueryCheck.idType(check, idCol, "columns.conversationId", "a conversation id");
        Value user = fields.value("userId", shape.refs("userId"), false);
        Value customer = MessageQueryCheck.customer(fields, shape, table);
        Value current = shape.refs("currentId").isEmpty() ? null : fields.value("currentId", shape.refs("currentId"), false);
        TimeValue rowTime = shape.refs("conversationCreatedAt").isEmpty() ? null : fields.time("conversationCreatedAt", shape.refs("conversationCreatedAt"));
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, " in " + relation.name(), "sb_m.", joined.joins());
        List<Object> predBinds = new ArrayList<>();
        String included = check.hasProblems() ? null : check.included(filter, filterColumns, "sb_m.", null, null, predBinds);
        String flag = included == null ? "TRUE" : "(" + included + ")";
        // a conversation the filter leaves out is never read (its JSON is a CASE that is not true)
        Value messages = fields.value("messages", shape.refs("messages"), false, included == null ? null : flag, predBinds);
        if (messages != null && !(messages instanceof JsonAt))
            check.problem("columns.messages: \"" + shape.columns().get("messages") + "\" must name a JSON column (COLUMN#/pointer to the messages)");
        if (shape.messageRef("currentChildId") != null && shape.messageRef("parentId") == null)
            check.problem("columns.currentChildId: needs columns.parentId (the chain is followed from the root along the parents' pointers)");
        if (shape.messageRef("createdAt") == null && rowTime == null && config.undatedAtInstant() == null)
            check.problem("columns.createdAt: the messages have no time and the row has none (columns.conversationCreatedAt): give "
                    + "--undated-at TIMESTAMP (undatedAt), the instant every such message is dated at");
        check.throwIfProblems(relation.name() + " (conversations shape)", relation, " (map the row's fields with --column FIELD=COLUMN or "
                + "COLUMN#/json/pointer, and the message fields " + MessageShape.MESSAGE_FIELDS + " as pointers inside a message, e.g. role=/role)");
        String from = joined.from();
        if (included != null) check.checkFilter(from + " WHERE " + included, predBinds);
        String id = "sb_m." + dialect.quote(idCol.name());
        select.set(rowAt, dialect.idText(id, idType), List.of());
        select.set(includedAt, flag, predBinds);
        Row0 row = new Row0(user, customer, messages, current, rowTime, config.undatedAtInstant(), config.zone(), shape.messageRef("id"),
                shape.messageRef("role"), shape.messageRef("text"), shape.messageRef("createdAt"), shape.messageRef("parentId"),
                shape.messageRef("currentChildId"),
                shape.messageRef("order"));
        boolean keyOnJoin = false;
        ShardKey key = new ShardKey(relation.statsTable(), relation.from("sb_m"), id, idType, relation.derived() || keyOnJoin, idCol.name());
        return new ConversationsQuery(check.db, config, key, select, from, row);
    }

    @Override
    public ShardKey key() {
        return key;
    }

    @Override
    public List<Turn> readPage(Shard shard, String after, int limit) {
        key.requirePlannedType(shard, "columns.conversationId: the id column");
        String lower = after == null ? shard.lo() : MessagePairing.conversation(after);
        int skipThrough = after == null ? -1 : MessagePairing.seq(after);
        boolean inclusive = after != null || !shard.loExclusive();
        int chunk = Math.max(10, limit);
        String p = dialect.param(key.type());
        List<Turn> out = new ArrayList<>();
        while (true) {
            String sql = "SELECT " + selectList + " FROM " + from + " WHERE " + key.column() + (inclusive ? " >= " : " > ") + p + " AND "
                    + key.column() + " <= " + p + " ORDER BY " + key.column() + " LIMIT ?";
            int rows = 0;
            String last = null;
            try (PreparedStatement ps = db.prepare(sql)) {
                int i = db.bindAll(ps, 1, selectBinds);
                SourceConnection.bindId(ps, i, key.type(), lower, "checkpoint");
                SourceConnection.bindId(ps, i + 1, key.type(), shard.hi(), "shard.hi");
                ps.setInt(i + 2, chunk);
                ps.setFetchSize(chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    Row r = new Row(rs);
                    while (r.next()) {
                        rows++;
                        last = rs.getString(ROW);
                        List<Turn> items = items(r);
                        if (skipThrough >= 0 && last.equals(lower)) items = items.subList(Math.min(items.size(), skipThrough + 1), items.size());
                        out.addAll(items);
                    }
                }
            } catch (SQLException e) {
                throw db.error("reading shard " + shard.shardNo(), e);
            }
            if (rows < chunk || out.size() >= limit) return out;
            lower = last;
            inclusive = false;
            skipThrough = -1;
        }
    }

    /** Items of whole conversations, by row id (for {@code estimate}). */
    List<Turn> readConversations(List<String> rowIds) {
        List<Turn> out = new ArrayList<>();
        for (int f = 0; f < rowIds.size(); f += 1_000) out.addAll(rowsByIds(rowIds.subList(f, Math.min(rowIds.size(), f + 1_000))));
        return out;
    }

    /**
     * Items again by their ids ({@code ROW/MESSAGE}): the rows are read whole and paired again; an item whose first message
     * no longer starts it is absent. A row id may itself hold a {@code /}: every split is tried.
     */
    @Override
    public List<Turn> readByIds(List<String> ids) {
        Set<String> wanted = new HashSet<>(ids);
        Set<String> rows = new LinkedHashSet<>();
        for (String id : ids)
            for (int at = id.indexOf('/'); at >= 0; at = id.indexOf('/', at + 1)) rows.add(id.substring(0, at));
        List<Turn> out = new ArrayList<>();
        for (Turn t : readConversations(new ArrayList<>(rows))) if (!t.skipped() && wanted.contains(t.id())) out.add(t);
        return out;
    }

    private List<Turn> rowsByIds(List<String> rowIds) {
        if (rowIds.isEmpty()) return List.of();
        String in = String.join(", ", Collections.nCopies(rowIds.size(), dialect.param(key.type())));
        String sql = "SELECT " + selectList + " FROM " + from + " WHERE " + key.column() + " IN (" + in + ") ORDER BY " + key.column();
        List<Turn> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepare(sql)) {
            int i = db.bindAll(ps, 1, selectBinds);
            for (String v : rowIds) {
                try {
                    SourceConnection.bindId(ps, i++, key.type(), v, "conversation");
                } catch (PermanentException notAnId) {
                    SourceConnection.bindId(ps, i - 1, key.type(), null, "conversation"); // a split that is no id of this type
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                Row r = new Row(rs);
                while (r.next()) out.addAll(items(r));
            }
        } catch (SQLException e) {
            throw db.error("re-reading conversations by id", e);
        }
        return out;
    }

    /** The skip reason of a conversation row that holds no message. */
    static final String EMPTY_CONVERSATION = "empty_conversation";

    /** One row's items: its messages found, the branch rule applied, paired. */
    private List<Turn> items(Row r) throws SQLException {
        ResultSet rs = r.resultSet();
        String conv = rs.getString(ROW);
        boolean included = rs.getBoolean(INCLUDED);
        String userId = row.user() == null ? null : Value.scalar(row.user().read(r));
        String customerId = row.customer() == null ? null : Value.scalar(row.customer().read(r));
        if (!included)
            return List.of(new Turn(conv + "/", userId, customerId, conv, null, null, null, null, true, MessagePairing.position(0, conv), 0, null, "filter"));
        Object container = row.messages().read(r);
        // a chat with no messages ({}, [], or nothing where the mapping points): skipped and counted, never a bad row
        if (Value.none(container) || container instanceof JsonNode empty && empty.isContainerNode() && empty.isEmpty())
            return List.of(new Turn(conv + "/", userId, customerId, conv, null, null, null, null, true, MessagePairing.position(0, conv), 0, null,
                    EMPTY_CONVERSATION));
        if (container == Row.UNPARSEABLE || !(container instanceof JsonNode node) || !(node.isArray() || node.isObject())) {
            // why, when the parser said (nested too deep, not UTF-8); else what it is not
            String why = container == Row.UNPARSEABLE && row.messages() instanceof JsonAt j ? r.problem(j.at()) : null;
            return List.of(new Turn(conv + "/", userId, customerId, conv, null, null, null, null, false, MessagePairing.position(0, conv), 1,
                    BadRowReason.UNREADABLE_TEXT, null, why != null ? "the messages cannot be read: " + why : "the messages are not a JSON array or object"));
        }
        TimeValue.Timed rowTime = row.rowTime() == null ? TimeValue.Timed.NONE : row.rowTime().read(r);
        List<Found> found = new ArrayList<>();
        int index = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.isObject() ? node.fields() : null; it != null && it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            found.add(found(e.getKey(), e.getValue(), index++));
        }
        if (node.isArray()) for (JsonNode m : node) found.add(found(Integer.toString(index), m, index++));
        // a map has no order of its own: the messages' order (or time), then the map's
        if (node.isObject() || row.order() != null)
            found.sort(Comparator.comparing(Found::order, Comparator.nullsFirst(Comparator.naturalOrder())));
        String leaf = row.current() == null ? null : Value.scalar(row.current().read(r));
        List<MessagePairing.Message> messages = new ArrayList<>(found.size());
        for (Found f : found) messages.add(message(conv, userId, customerId, f, rowTime));
        if (row.parent() != null) messages = MessagePairing.branches(messages, leaf == null ? null : conv + "/" + leaf);
        return MessagePairing.pair(messages);
    }

    /** A message as found in the container: its own id (or key, or place), its node, its order key. */
    private record Found(String id, JsonNode node, Comparable<Object> order) {
    }

    @SuppressWarnings("unchecked")
    private Found found(String keyOrPlace, JsonNode m, int index) {
        String id = row.id() == null ? null : scalar(m.at(row.id().pointer()));
        Object order;
        if (row.order() != null) {
            String v = scalar(m.at(row.order().pointer()));
            order = v == null ? null : Times.numeric(v) ? new java.math.BigDecimal(v.trim()) : null;
        } else {
            order = time(m).at();
        }
        if (order == null) order = Instant.MIN;
        // equal order keys keep the container's order
        Comparable<Object> key = (Comparable<Object>) (Object) new OrderAt((Comparable<Object>) order, index);
        return new Found(id == null ? keyOrPlace : id, m, key);
    }

    /** An order key, then the place in the container. */
    private record OrderAt(Comparable<Object> key, int index) implements Comparable<OrderAt> {
        @Override
        public int compareTo(OrderAt o) {
            int c = key.getClass() == o.key.getClass() ? key.compareTo(o.key) : 0;
            return c != 0 ? c : Integer.compare(index, o.index);
        }
    }

    private MessagePairing.Message message(String conv, String userId, String customerId, Found f, TimeValue.Timed rowTime) {
        JsonNode m = f.node();
        String role = row.role() == null ? null : scalar(m.at(row.role().pointer()));
        String kind = shape.kindOf(role);
        TimeValue.Timed created = time(m);
        if (created.none()) created = rowTime;
        if (created.none() && row.undated() != null) created = TimeValue.Timed.of(row.undated());
        boolean inCutover = CatalogCheck.withinCutover(config, created.at());
        MessageValues.Text text = kind == null || row.text() == null || !inCutover ? MessageValues.Text.NONE : MessageValues.text(m.at(row.text().pointer()));
        BadRowReason problem = null;
        String detail = null;
        if (text.unreadable()) {
            problem = BadRowReason.UNREADABLE_TEXT;
        } else if (created.unreadable() != null) {
            problem = BadRowReason.UNREADABLE_TIMESTAMP;
            detail = created.unreadable();
        }
        String parent = row.parent() == null ? null : scalar(m.at(row.parent().pointer()));
        String child = row.currentChild() == null ? null : scalar(m.at(row.currentChild().pointer()));
        return new MessagePairing.Message(conv + "/" + f.id(), conv, userId, customerId, kind, role, shape.cleanText(text.text()), problem,
                created.at(), inCutover ? null : "filter", detail, parent == null ? null : conv + "/" + parent, child == null ? null : conv + "/" + child);
    }

    /** A message's time: a JSON number is epoch seconds (or the unit named), a string ISO-8601 (or an epoch in the unit named). */
    private TimeValue.Timed time(JsonNode m) {
        if (row.createdAt() == null) return TimeValue.Timed.NONE;
        JsonNode t = m.at(row.createdAt().pointer());
        Times.Unit unit = row.createdAt().unit();
        if (t.isMissingNode() || t.isNull()) return TimeValue.Timed.NONE;
        if (t.isNumber()) {
            Instant at = Times.fromEpoch(t.decimalValue(), unit == null || unit == Times.Unit.ISO ? Times.Unit.EPOCH_S : unit);
            return at == null ? TimeValue.Timed.unreadable(t.asText()) : TimeValue.Timed.of(at);
        }
        if (!t.isTextual()) return TimeValue.Timed.unreadable(t.toString());
        boolean epoch = unit != null && unit != Times.Unit.ISO;
        Instant at = epoch ? Times.parseEpoch(t.textValue(), unit) : Times.parseIso(t.textValue(), row.zone());
        return at == null ? TimeValue.Timed.unreadable(t.textValue()) : TimeValue.Timed.of(at);
    }

    private static String scalar(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    @Override
    public boolean customerMapped() {
        return row.customer() != null;
    }
}
