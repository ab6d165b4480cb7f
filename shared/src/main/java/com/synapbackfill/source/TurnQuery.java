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

    /** Where each value sits in the select list, and how the time is read. */
    private record Columns(int user, int customer, int conversation, int index, int userText, int assistantText, int included,
                           TimeValue createdAt, boolean cutoverInJava, int userBytes, int assistantBytes) {
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
        SqlDialect.Column userCol = check.require(table, "userId", c.userId());
        // a B2C table has no customer column: the default name may be absent; a mapped one must exist
        boolean noCustomer = c.customerId().isEmpty() || (c.customerId().equals("customer_id") && table.column("customer_id") == null);
        SqlDialect.Column customerCol = noCustomer ? null : check.require(table, "customerId", c.customerId());
        SqlDialect.Column convCol = check.require(table, "conversationId", c.conversationId());
        SqlDialect.Column indexCol = messageIndex(check, table, c.messageIndex());
        SqlDialect.Column userTextCol = check.textual(table, "userText", c.userText());
        SqlDialect.Column assistantTextCol = check.textual(table, "assistantText", c.assistantText());
        SelectList select = new SelectList();
        int idAt = select.reserve();
        // the time: a timestamp column, epoch numbers, ISO text, or a value inside JSON (FieldResolver)
        FieldResolver fields = new FieldResolver(check, new FieldResolver.Source(null, table, relation.name()), Map.of(), select, config.zone());
        List<MessageShape.Ref> timeRefs = c.createdAt().isEmpty() ? List.of() : MessageShape.parseAll("createdAt", c.createdAt(), List.of());
        TimeValue created = MessageQueryCheck.undated(check, fields.time("createdAt", timeRefs), timeRefs.isEmpty());
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, "");
        check.throwIfProblems(relation.name(), relation, check.problemsBeyondFilter() ? MAPPING_HINT : "");

        // which rows of the id range the run takes: the filter and the cutover; the rest are read as ids only
        List<Object> predBinds = new ArrayList<>();
        SqlDialect.Column ts = created instanceof NativeTime n ? n.column() : null;
        String included = check.included(filter, filterColumns, "", ts == null ? null : dialect.quote(ts.name()), ts, predBinds);
        if (included != null) check.checkFilter(relation.from("sb_t") + " WHERE " + included, predBinds);
        String userRaw = dialect.text(dialect.quote(userTextCol.name()), userTextCol);
        String assistantRaw = dialect.text(dialect.quote(assistantTextCol.name()), assistantTextCol);
        String userText = check.capped(userRaw, userRaw, check.maxTextBytes);
        String assistantText = check.capped(assistantRaw, assistantRaw, check.maxTextBytes);
        String flag = "TRUE";
        List<Object> textBinds = List.of();
        if (included != null) {
            // the text of a row left out is never read (not even detoasted)
            flag = "(" + included + ")";
            userText = "CASE WHEN " + flag + " THEN " + userText + " END";
            assistantText = "CASE WHEN " + flag + " THEN " + assistantText + " END";
            textBinds = predBinds;
        }
        select.set(idAt, dialect.idText(dialect.quote(idCol.name()), idType), List.of());
        Columns cols = new Columns(select.add(dialect.text(dialect.quote(userCol.name()), userCol)),
                customerCol == null ? 0 : select.add(dialect.text(dialect.quote(customerCol.name()), customerCol)),
                select.add(dialect.text(dialect.quote(convCol.name()), convCol)),
                indexCol == null ? 0 : select.add(dialect.quote(indexCol.name())),
                select.add(userText, textBinds), select.add(assistantText, textBinds), select.add(flag, predBinds),
                created, !(created instanceof NativeTime), check.maxTextBytes > 0 ? select.add(dialect.byteLength(userRaw)) : 0,
                check.maxTextBytes > 0 ? select.add(dialect.byteLength(assistantRaw)) : 0);
        ShardKey key = new ShardKey(relation.statsTable(), relation.from("sb_t"), dialect.quote(idCol.name()), idType, relation.derived(),
                idCol.name());
        return new TurnQuery(check.db, config, key, cols, select, check.maxTextBytes);
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
            Columns c = columns;
            while (row.next()) {
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
                long longest = c.userBytes() == 0 ? 0 : Math.max(rs.getLong(c.userBytes()), rs.getLong(c.assistantBytes()));
                if (included && c.userBytes() > 0 && (rs.getLong(c.userBytes()) + rs.getLong(c.assistantBytes()) > maxTextBytes)) {
                    // too large to send whatever it holds; a text over the cap was not even read
                    problem = BadRowReason.DOCUMENT_TOO_LARGE;
                    detail = "the texts are " + (rs.getLong(c.userBytes()) + rs.getLong(c.assistantBytes())) + " bytes (longest " + longest + ")";
                }
                out.add(new Turn(id, rs.getString(c.user()), c.customer() == 0 ? null : rs.getString(c.customer()), rs.getString(c.conversation()),
                        messageIndex, included ? rs.getString(c.userText()) : null, included ? rs.getString(c.assistantText()) : null, created.at(),
                        !included, id, 0, problem, included ? null : "filter", detail));
            }
        }
        return out;
    }

    @Override
    public boolean customerMapped() {
        return columns.customer() != 0;
    }
}
