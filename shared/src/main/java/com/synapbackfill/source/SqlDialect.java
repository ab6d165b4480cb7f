package com.synapbackfill.source;

import com.synapbackfill.model.IdType;

/**
 * The SQL that differs between databases, behind one small interface so MySQL/MariaDB can be added without
 * touching the planner or the worker. Identifiers reach here already validated by {@link SqlIdentifiers}.
 */
public interface SqlDialect {
    /** Quotes a validated identifier (or schema.table). */
    String quote(String identifier);

    /** Maps the catalog's type name of the id column, or null when unsupported. */
    IdType idType(String sqlTypeName);

    /** A cast for a bound id parameter ({@code ?::uuid}), or "?" */
    String param(IdType idType);

    /** SQL returning one row, one column: the planner's row estimate for {@code table} (statistics only). */
    String estimateSql(String table);

    /** A sample of the id column, {@code percent} of the table's pages/rows, bounded by two params. */
    String sampleSql(String table, String idColumn, IdType idType, double percent, boolean isView);
}
