package com.synapbackfill.model;

/** The SQL type of the source table's id column, which decides how shards are cut and ids are bound. */
public enum IdType {
    /** smallint/integer/bigint: arithmetic ranges */
    BIGINT,
    /** uuid: ranges cut at sampled quantiles in the column's sort order */
    UUID,
    /** text/varchar: ranges cut at sampled quantiles in the column's sort order */
    TEXT;

    /** Compares two ids of this type in the database's sort order (UUID: PostgreSQL's byte order). */
    public int compare(String a, String b) {
        return switch (this) {
            case BIGINT -> Long.compare(Long.parseLong(a), Long.parseLong(b));
            case UUID -> a.toLowerCase().compareTo(b.toLowerCase());
            case TEXT -> a.compareTo(b);
        };
    }
}
