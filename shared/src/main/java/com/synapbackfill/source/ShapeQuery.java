package com.synapbackfill.source;

import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.util.List;

/**
 * A shape's reading of the source, its SQL built once from the catalog check: pages of a shard from a
 * checkpoint, and rows again by the ids failure items hold. One implementation per shape: {@link TurnQuery}
 * (a row per turn) and {@link MessageQuery} (a row per message, paired into turns).
 */
sealed interface ShapeQuery permits TurnQuery, MessageQuery, ConversationsQuery {
    /** What shards are ranges of. */
    ShardKey key();

    /** The items of a shard after {@code after} (the shard's start when null): at least {@code limit} unless it ends. */
    List<Turn> readPage(Shard shard, String after, int limit);

    /** Items again by the ids their failure items hold; the ones no longer there are absent. */
    List<Turn> readByIds(List<String> ids);

    /** Whether a customer id is read (a mapped column or reference, or the default column where the table has it). */
    boolean customerMapped();
}
