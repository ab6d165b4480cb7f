package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
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
import java.util.List;
import java.util.Map;

/**
 * The turn shape's reading (a row per turn, docs/design.md §2): keyset pages on the id column,
 * {@code id > :checkpoint AND id <= :hi ORDER BY id LIMIT :n}. The select list is built once from the catalog
 * check; a row the filter or cutover leaves out is read as its id only (its text is a CASE that is never true).
 */
final class TurnQuery implements ShapeQuery {
    private static final String MAPPING_HINT = " (map it with --column FIELD=COLUMN, or columns.FIELD in the config file or start event)";

    private final SourceConnection db;
    private final SqlDialect dialect;
    private final ShardKey key;
    private final SqlDialect.Column createdAt;
    private final ZoneId zone;
    private final String selectList;
    private final List<Object> selectBinds;

    private TurnQuery(SourceConnection db, ShardKey key, SqlDialect.Column createdAt, ZoneId zone, String selectList, List<Object> selectBinds) {
        this.db = db;
        this.dialect = db.dialect();
        this.key = key;
        this.createdAt = createdAt;
        this.zone = zone;
        this.selectList = selectList;
        this.selectBinds = selectBinds;
    }

    /** Checks the mapping against the catalog (every problem at once) and builds the query. */
    static TurnQuery check(CatalogCheck check) {
        SourceConfig config = check.config;
        SqlDialect dialect = check.dialect;
        SqlDialect.Table table = check.sourceTable();
        ColumnMapping c = config.columns();
        SqlDialect.Column idCol = check.require(table, "id", c.id());
        IdType idType = idCol == null ? null : dialect.idType(idCol);
        if (idCol != null && idType == null)
            check.problem("columns.id: column \"" + c.id() + "\" has type " + idCol.type() + "; supported id types: integer types, "
                    + "uuid" + (dialect instanceof MySqlDialect ? " (BINARY(16))" : "") + ", text/varchar");
        SqlDialect.Column userCol = check.require(table, "userId", c.userId());
        // a B2C table has no customer column: the default name may be absent; a mapped one must exist
        boolean noCustomer = c.customerId().isEmpty() || (c.customerId().equals("customer_id") && table.column("customer_id") == null);
        SqlDialect.Column customerCol = noCustomer ? null : check.require(table, "customerId", c.customerId());
        SqlDialect.Column convCol = check.require(table, "conversationId", c.conversationId());
        SqlDialect.Column indexCol = c.messageIndex().isEmpty() ? null : check.require(table, "messageIndex", c.messageIndex());
        if (indexCol != null && indexCol.kind() != SqlDialect.Kind.INTEGER && indexCol.kind() != SqlDialect.Kind.DECIMAL)
            check.problem("columns.messageIndex: column \"" + c.messageIndex() + "\" has type " + indexCol.type() + "; it must be an integer type");
        SqlDialect.Column userTextCol = check.textual(table, "userText", c.userText());
        SqlDialect.Column assistantTextCol = check.textual(table, "assistantText", c.assistantText());
        SqlDialect.Column ts = check.require(table, "createdAt", c.createdAt());
        if (ts != null && ts.kind() != SqlDialect.Kind.TIMESTAMP_ZONED && ts.kind() != SqlDialect.Kind.TIMESTAMP_LOCAL)
            check.problem("columns.createdAt: column \"" + c.createdAt() + "\" has type " + ts.type() + "; it must be "
                    + (dialect instanceof MySqlDialect ? "DATETIME or TIMESTAMP" : "timestamp or timestamptz"));
        SourceFilter filter = config.parsedFilter();
        Map<String, String> filterColumns = check.filterColumns(filter, table, "");
        check.throwIfProblems(config.table(), table, check.problemsBeyondFilter() ? MAPPING_HINT : "");

        // which rows of the id range the run takes: the filter and the cutover; the rest are read as ids only
        List<Object> predBinds = new ArrayList<>();
        String created = dialect.quote(ts.name());
        String included = check.included(filter, filterColumns, "", ts, predBinds);
        if (included != null) check.checkFilter(dialect.quote(config.table()) + " WHERE " + included, predBinds);
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
        ShardKey key = new ShardKey(config.table(), dialect.quote(config.table()), dialect.quote(idCol.name()), idType, table.view());
        return new TurnQuery(check.db, key, ts, config.zone(), select, List.copyOf(selectBinds));
    }

    @Override
    public ShardKey key() {
        return key;
    }

    @Override
    public List<Turn> readPage(Shard shard, String afterExclusive, int limit) {
        if (key.type() != shard.idType())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: the id column is now "
                    + key.type() + " but the run was planned for " + shard.idType());
        String id = key.column();
        String p = dialect.param(key.type());
        boolean fromStart = afterExclusive == null;
        String lower = fromStart && !shard.loExclusive() ? id + " >= " + p : id + " > " + p;
        String sql = "SELECT " + selectList + " FROM " + key.from() + " WHERE " + lower + " AND " + id + " <= " + p + " ORDER BY " + id + " LIMIT ?";
        try (PreparedStatement ps = db.prepare(sql)) {
            int i = db.bindAll(ps, 1, selectBinds);
            SourceConnection.bindId(ps, i, key.type(), fromStart ? shard.lo() : afterExclusive, "checkpoint");
            SourceConnection.bindId(ps, i + 1, key.type(), shard.hi(), "shard.hi");
            ps.setInt(i + 2, limit);
            ps.setFetchSize(limit);
            return readTurns(ps);
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
            while (rs.next()) {
                long mi = rs.getLong(5);
                Long messageIndex = rs.wasNull() ? null : mi;
                Instant created = dialect.readTimestamp(rs, 8, createdAt, zone);
                out.add(new Turn(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), messageIndex,
                        rs.getString(6), rs.getString(7), created, !rs.getBoolean(9)));
            }
        }
        return out;
    }
}
