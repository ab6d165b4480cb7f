package com.synapbackfill.source;

import com.synapbackfill.model.IdType;

/**
 * What shards are ranges of, as planning reads it: the relation and the key over it.
 *
 * @param table  the table's configured name (for the row estimate from its statistics), or null for a query
 * @param from   the relation as SQL: a quoted table with its alias, a query with its alias, or (a key on a joined
 *               table) the whole FROM clause
 * @param column the key as SQL over {@code from}: a qualified column, or an expression (a value inside JSON, alternatives)
 * @param type   the key's type (integer, uuid or text)
 * @param view   whether the relation is derived (a view, a query, joins): no block sampling, no table statistics
 */
record ShardKey(String table, String from, String column, IdType type, boolean view) {
}
