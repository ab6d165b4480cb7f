package com.synapbackfill.source;

import com.synapbackfill.model.IdType;

/**
 * What shards are ranges of, as planning reads it: the relation and the key over it.
 *
 * @param table  the table's configured name (for the row estimate from statistics)
 * @param from   the relation as SQL: a quoted table
 * @param column the key as SQL over {@code from}: a quoted column
 * @param type   the key's type (integer, uuid or text)
 * @param view   whether the relation is a view (no block sampling, no table statistics)
 */
record ShardKey(String table, String from, String column, IdType type, boolean view) {
}
