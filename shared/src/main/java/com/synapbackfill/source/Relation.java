package com.synapbackfill.source;

/**
 * What a source reads from: a table or view, or a read-only query standing as a derived table (Spark's JDBC source
 * takes a subquery as its {@code dbtable} the same way). Shapes read it aliased and never care which it is.
 *
 * @param name    the table as configured, or {@code query} (for messages)
 * @param sql     the quoted table, or the query in parentheses
 * @param table   its columns as the catalog (or the query's result metadata) describes them
 * @param derived a view or a query: no table statistics and no block sampling
 * @param query   a query (no table name to read statistics of)
 */
record Relation(String name, String sql, SqlDialect.Table table, boolean derived, boolean query) {
    /** {@code sql alias}: what a FROM clause holds. */
    String from(String alias) {
        return sql + " " + alias;
    }

    /** The table whose statistics estimate its rows, or null for a query. */
    String statsTable() {
        return query ? null : name;
    }
}
