package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;

/**
 * What shards are ranges of, as planning reads it: the relation and the key over it.
 *
 * @param table  the table's configured name (for the row estimate from its statistics), or null for a query
 * @param from   the relation as SQL: a quoted table with its alias, a query with its alias, or (a key on a joined
 *               table) the whole FROM clause
 * @param column the key as SQL over {@code from}: a qualified column, or an expression (a value inside JSON, alternatives)
 * @param type   the key's type (integer, uuid or text)
 * @param view   whether the relation is derived (a view, a query, joins): no block sampling, no table statistics
 * @param unique the column's name when each row must have its own key (the turn shape's id: keyset pages skip a
 *               duplicate), else null (a conversation key is shared by its messages by design)
 */
record ShardKey(String table, String from, String column, IdType type, boolean view, String unique) {
    ShardKey(String table, String from, String column, IdType type, boolean view) {
        this(table, from, column, type, view, null);
    }

    /**
     * A shard is read by the key's type as it was planned: a column whose type changed since (a migration mid-run) is a
     * configuration error naming {@code what} ("columns.id: the id column"), never a page read by the wrong type.
     */
    void requirePlannedType(Shard shard, String what) {
        if (type != shard.idType())
            throw new PermanentException(PermanentException.Kind.CONFIGURATION, what + " is now " + type
                    + " but the run was planned for " + shard.idType());
    }
}
