package com.synapbackfill.model;

import java.util.Objects;

/**
 * An immutable slice of the source table: the rows with {@code lo <= id <= hi} (both inclusive), in the id
 * column's sort order. Ids are kept as text so one shape serves bigint, UUID and text keys. Text keys have no
 * computable successor, so a text shard after the first one starts just after its {@code lo}
 * ({@code loExclusive}); bigint and UUID shards are always inclusive on both ends.
 *
 * @param runId   the run it belongs to
 * @param shardNo 0-based number, unique in the run
 * @param lo      smallest id of the slice (inclusive)
 * @param hi      largest id of the slice (inclusive)
 * @param loExclusive the slice starts just after {@code lo} (text keys only)
 * @param idType  how to compare and bind the bounds
 */
public record Shard(String runId, int shardNo, String lo, boolean loExclusive, String hi, IdType idType) {
    public Shard {
        RunIds.requireValid(runId);
        if (shardNo < 0) throw new IllegalArgumentException("shardNo must be >= 0, was " + shardNo);
        Objects.requireNonNull(lo, "lo");
        Objects.requireNonNull(hi, "hi");
        Objects.requireNonNull(idType, "idType");
        if (loExclusive && idType != IdType.TEXT) throw new IllegalArgumentException("shard " + shardNo + ": only text shards may start after lo");
        if (idType != IdType.TEXT && idType.compare(lo, hi) > 0) throw new IllegalArgumentException("shard " + shardNo + ": lo " + lo + " > hi " + hi);
    }
}
