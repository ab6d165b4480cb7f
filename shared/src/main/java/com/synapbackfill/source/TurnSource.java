package com.synapbackfill.source;

import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.util.List;

/**
 * Port to the source table. Implementations validate configuration on first use and name the bad field in
 * their errors; reads are keyset pages, never OFFSET.
 */
public interface TurnSource extends AutoCloseable {

    /** Validates table and columns, and reads the id type, bounds and a row estimate. */
    SourceProfile profile();

    /** About {@code n} ids spread over the slice, sorted ascending (for quantile cuts). */
    List<String> sampleIds(int n);

    /**
     * The next page of a shard: rows with id after {@code afterExclusive} (or from the shard's start when
     * null) up to the shard's {@code hi}, ordered by id, at most {@code limit}.
     */
    List<Turn> readPage(Shard shard, String afterExclusive, int limit);

    /** Re-reads rows by id (for retrying failures); missing ids are absent from the answer. */
    List<Turn> readByIds(List<String> ids);

    /**
     * Rows no shard holds because their shard key is NULL (message shape: messages without a conversation id), in the
     * whole table; 0 when every row has one. Planning counts them so that a run says so instead of losing them quietly.
     */
    default long rowsWithoutKey() {
        return 0;
    }

    /**
     * Whether the source maps a customer id (a B2B Instance needs one, a B2C Instance refuses it). True unless the
     * source knows it maps none.
     */
    default boolean customerMapped() {
        return true;
    }

    /** Exact row count of a shard (for tests and the report's cross-check, never in the hot path). */
    long countRows(Shard shard);

    @Override
    void close();
}
