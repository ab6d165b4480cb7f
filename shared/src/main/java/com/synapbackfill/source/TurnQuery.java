package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The turn shape's reading (a row per turn, docs/design.md §2): keyset pages on the id column,
 * {@code id > :checkpoint AND id <= :hi ORDER BY id LIMIT :n}. The select list is built once from the catalog
 * check; a row the filter or cutover leaves out is read as its id only (its text is a CASE that is never true).
 */
final class TurnQuery implements ShapeQuery {
    private static final String MAPPING_HINT = " (map it with --column FIELD=COLUMN, or columns.FIELD in the config file or start event)";

    private static final int ID = 1;

    private final SourceConnection db;
    private final SqlDialect dialect;
    private final SourceConfig config;
    private final ShardKey key;
    private final Columns columns;
    private final String selectList;
    private final List<Object> selectBinds;

    /**
     * How each field is read (a column, a JSON pointer, a constant, the first non-null of several), where the flag and the
     * index sit in the select list, the time, and where the texts' byte lengths are.
     */
    private record Columns(Value user, Value customer, Value conversation, int index, Value userText, Value assistantText, int included,
                           TimeValue createdAt, boolean cutoverInJava, List<Integer> userBytes, List<Integer> assistantBytes) {
    }

    private final int maxTextBytes;

    private TurnQuery(SourceConnection db, SourceConfig config, ShardKey key, Columns columns, SelectList select, int maxTextBytes) {
        this.maxTextBytes = maxTextBytes;
        this.db = db;
        this.dialect = db.dialect();
        this.config = config;
        this.key = key;
        this.columns = columns;
        this.selectList = select.sql();
        this.selectBinds = select.binds();
    }

    /** The id column's type; another than an integer, uuid or text is a problem naming the column. */
    private static IdType idType(CatalogCheck check, SqlDialect.Column idCol, String name) {
        IdType idType = idCol == null ? null : check.dialect.idType(idCol);
        if (idCol != null && idType == null)
            check.problem("columns.id: column \"" + name + "\" has type " + idCol.type() + "; supported id types: integer types, "
                    + "uuid" + (check.dialect instanceof MySqlDialect ? " (BINARY(16))" : "") + ", text/varchar");
        return idType;
    }

    /** The optional message-index column (none when unmapped); it must be an integer type. */
    private static SqlDialect.Column messageIndex(CatalogCheck check, SqlDialect.Table table, String name) {
        SqlDialect.Column indexCol = name.isEmpty() ? null : check.require(table, "messageIndex", name);
        if (indexCol != null && indexCol.kind() != SqlDialect.Kind.INTEGER && indexCol.kind() != SqlDialect.Kind.DECIMAL)
            check.problem("columns.messageIndex: column \"" + name + "\" has type " + indexCol.type() + "; it must be an integer type");
        return indexCol;
    }

    /** Checks the mapping against the catalog (every problem at once) and builds the query. */
    static TurnQuery check(CatalogCheck check) {
        SourceConfig config = check.config;
        SqlDialect dialect = check.dialect;
        Relation relation = check.relation();
        SqlDialect.Table table = relation.table();
        ColumnMapping c = config.columns();
        SqlDialect.Column idCol = check.require(table, "id", c.id());
        IdType idType = idType(check, idCol, c.id());
        // a B2C table has no customer column: the default name may be absent; a mapped one must exist
        boolean noCustomer = c.customerId().isEmpty() || (c.customerId().equals("customer_id") && table.column("customer_id") == null);
        SqlDialect.Column indexCol = messageIndex(check, table, c.messageIndex());
        SelectList select = new SelectList();
        int idAt = select.reserve();
        // every value field in the field language of every shape: a column, a JSON pointer, a constant, alternatives
        FieldResolver fields = new FieldResolver(check, new FieldResolver.Source(null, table, relation.name()), Map.of(), select, config.zone());
        Value user = fields.value("userId", c.refs("userId"), false);
        Value customer = noCustomer ? null : fields.value("customerId", c.refs("customerId"), false);
        Value conversation = tagged(c.refs("conversationId"), fields.value("conversationId", c.refs("conversationId"), false));
        // the time: a timestamp column, epoch numbers, ISO text, or a value inside JSON
        List<MessageShape.Ref> timeRefs = c.createdAt().isEmpty() ? List.of() : MessageShape.parseAll("createdAt", c.createdAt(), List.of());
        TimeValue created = MessageQueryCheck.undated(check, fields.time("createdAt", timeRefs), timeRefs.isEmpty());
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, "");
        // which rows of the id range the run takes: the filter and the cutover; the rest are read as ids only
        List<Object> predBinds = new ArrayList<>();
        SqlDialect.Column ts = created instanceof NativeTime n ? n.column() : null;
        String included = check.hasProblems() ? null : check.included(filter, filterColumns, "", ts == null ? null : dialect.quote(ts.name()), ts, predBinds);
        String flag = included == null ? "TRUE" : "(" + included + ")";
        // the text of a row left out is never read (not even detoasted); a text over the cap is not read either
        List<Integer> userBytes = new ArrayList<>();
        List<Integer> assistantBytes = new ArrayList<>();
        Value userText = fields.value("userText", c.refs("userText"), true, included == null ? null : flag, predBinds, check.maxTextBytes, userBytes);
        Value assistantText = fields.value("assistantText", c.refs("assistantText"), true, included == null ? null : flag, predBinds,
                check.maxTextBytes, assistantBytes);
        check.throwIfProblems(relation.name(), relation, check.problemsBeyondFilter() ? MAPPING_HINT : "");
        if (included != null) check.checkFilter(relation.from("sb_t") + " WHERE " + included, predBinds);
        select.set(idAt, dialect.idText(dialect.quote(idCol.name()), idType), List.of());
        Columns cols = new Columns(user, customer, conversation, indexCol == null ? 0 : select.add(dialect.quote(indexCol.name())),
                userText, assistantText, select.add(flag, predBinds), created, !(created instanceof NativeTime),
                plainLengths(table, c.refs("userText"), userBytes), plainLengths(table, c.refs("assistantText"), assistantBytes));
        ShardKey key = new ShardKey(relation.statsTable(), relation.from("sb_t"), dialect.quote(idCol.name()), idType, relation.derived(),
                idCol.name());
        return new TurnQuery(check.db, config, key, cols, select, check.maxTextBytes);
    }

    /**
     * The conversation as the first non-null of several columns, tagged with the one it came from ({@code thread_id:5}), so
     * that equal values of different kinds (thread 5, session 5) stay different conversations; one alternative as it is.
     */
    private static Value tagged(List<MessageShape.Ref> refs, Value v) {
        if (!(v instanceof FirstOf f) || f.alternatives().size() != refs.size()) return v;
        List<String> labels = refs.stream().map(MessageShape.Ref::text).toList();
        return row -> {
            for (int i = 0; i < f.alternatives().size(); i++) {
                String s = Value.scalar(f.alternatives().get(i).read(row));
                if (s != null) return labels.get(i) + ":" + s;
            }
            return null;
        };
    }

    @Override
    public ShardKey key() {
        return key;
    }

    @Override
    public List<Turn> readPage(Shard shard, String afterExclusive, int limit) {
        key.requirePlannedType(shard, "columns.id: the id column");
        String id = key.column();
        String p = dialect.param(key.type());
        boolean fromStart = afterExclusive == null;
        String lower = fromStart && !shard.loExclusive() ? id + " >= " + p : id + " > " + p;
        String sql = "SELECT " + selectList + " FROM " + key.from() + " WHERE " + lower + " AND " + id + " <= " + p + " ORDER BY " + id + " LIMIT ?";
        try (PreparedStatement ps = db.prepare(sql)) {
            int i = db.bindAll(ps, 1, selectBinds);
            SourceConnection.bindId(ps, i, key.type(), fromStart ? shard.lo() : afterExclusive, "checkpoint");
            SourceConnection.bindId(ps, i + 1, key.type(), shard.hi(), "shard.hi");
            // one row more than the page: a duplicate of the page's last id would be skipped by the next page's "id > last"
            ps.setInt(i + 2, limit + 1);
            ps.setFetchSize(limit + 1);
            List<Turn> rows = readTurns(ps);
            for (int k = 1; k < rows.size(); k++) {
                if (rows.get(k).id().equals(rows.get(k - 1).id()))
                    throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: id \"" + rows.get(k).id() + "\" of shard "
                            + shard.shardNo() + " is on two rows; pages read by id would skip one of them. Map a unique column as the id");
            }
            return rows.size() > limit ? rows.subList(0, limit) : rows;
        } catch (SQLException e) {
            throw db.error("reading shard " + shard.shardNo(), e);
        }
    }

    @Override
    public List<Turn> readByIds(List<String> ids) {
        if (ids.isEmpty()) return List.of();
        String id = key.column();
        List<Turn> out = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += 1_000) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 1_000));
            String in = String.join(", ", Collections.nCopies(chunk.size(), dialect.param(key.type())));
            String sql = "SELECT " + selectList + " FROM " + key.from() + " WHERE " + id + " IN (" + in + ") ORDER BY " + id;
            try (PreparedStatement ps = db.prepare(sql)) {
                int i = db.bindAll(ps, 1, selectBinds);
                for (String v : chunk) SourceConnection.bindId(ps, i++, key.type(), v, "failure row id");
                out.addAll(readTurns(ps));
            } catch (SQLException e) {
                throw db.error("re-reading rows by id", e);
            }
        }
        return out;
    }

    private List<Turn> readTurns(PreparedStatement ps) throws SQLException {
        List<Turn> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            Row row = new Row(rs);
            while (row.next()) {
                try {
                    out.add(turn(row));
                } catch (Row.Undecodable e) {
                    // one row's bytes are no text: that row is a bad row naming why, the page goes on
                    String id = rs.getString(ID);
                    out.add(new Turn(id, null, null, null, null, null, null, null, false, id, 0, BadRowReason.UNREADABLE_TEXT, null, e.getMessage()));
                }
            }
        }
        return out;
    }

    /** One row as a turn (a bad one when a value cannot be read as its field needs). */
    private Turn turn(Row row) throws SQLException {
        ResultSet rs = row.resultSet();
        Columns c = columns;
        Long messageIndex = null;
        if (c.index() > 0) {
            long mi = rs.getLong(c.index());
            messageIndex = rs.wasNull() ? null : mi;
        }
        TimeValue.Timed created = c.createdAt().read(row);
        boolean included = rs.getBoolean(c.included());
        if (included && c.cutoverInJava() && !CatalogCheck.withinCutover(config, created.at())) included = false;
        String id = rs.getString(ID);
        BadRowReason problem = null;
        String detail = null;
        if (included && created.unreadable() != null) {
            problem = BadRowReason.UNREADABLE_TIMESTAMP;
            detail = created.unreadable();
        }
        long userLength = longest(rs, c.userBytes());
        long assistantLength = longest(rs, c.assistantBytes());
        if (included && maxTextBytes > 0 && userLength + assistantLength > maxTextBytes) {
            // too large to send whatever it holds; a text over the cap was not even read
            problem = BadRowReason.DOCUMENT_TOO_LARGE;
            detail = "the texts are " + (userLength + assistantLength) + " bytes (longest " + Math.max(userLength, assistantLength) + ")";
        }
        MessageValues.Text user = included ? Value.text(c.userText().read(row)) : MessageValues.Text.NONE;
        MessageValues.Text assistant = included ? Value.text(c.assistantText().read(row)) : MessageValues.Text.NONE;
        if (problem == null && (user.unreadable() || assistant.unreadable())) {
            problem = BadRowReason.UNREADABLE_TEXT;
            detail = (user.unreadable() ? "the user text" : "the answer") + " is JSON that does not parse, or holds no text where the mapping points";
        }
        return new Turn(id, Value.scalar(c.user().read(row)), c.customer() == null ? null : Value.scalar(c.customer().read(row)),
                Value.scalar(c.conversation().read(row)), messageIndex, user.text(), assistant.text(), created.at(),
                !included, id, 0, problem, included ? null : "filter", detail);
    }

    /**
     * The byte lengths of a text field's plain alternatives: a JSON value's length is its document's, not its text's (that
     * is capped at 16 times the limit when read, and the document's size is checked when it is mapped).
     */
    private static List<Integer> plainLengths(SqlDialect.Table table, List<MessageShape.Ref> refs, List<Integer> lengths) {
        List<Integer> out = new ArrayList<>();
        int k = 0;
        for (MessageShape.Ref r : refs) {
            if (r.isConstant() || k >= lengths.size()) continue;
            SqlDialect.Column col = table.column(r.column());
            if (r.pointer() == null && col != null && col.kind() != SqlDialect.Kind.JSON) out.add(lengths.get(k));
            k++;
        }
        return List.copyOf(out);
    }

    /** The longest of a field's alternatives' byte lengths (a plain text's; a JSON column's is not its text's, and not counted). */
    private static long longest(ResultSet rs, List<Integer> at) throws SQLException {
        long n = 0;
        for (int i : at) n = Math.max(n, rs.getLong(i));
        return n;
    }

    @Override
    public boolean customerMapped() {
        return columns.customer() != null;
    }
}
