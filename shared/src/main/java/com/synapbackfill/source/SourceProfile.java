package com.synapbackfill.source;

import com.synapbackfill.model.IdType;

/**
 * What the planner learns about the source before cutting shards: the id type, the id bounds inside the
 * configured slice, and a row estimate from statistics (never a full COUNT).
 *
 * @param idType        type of the id column
 * @param minId         smallest id in the slice, null when empty
 * @param maxId         largest id in the slice, null when empty
 * @param estimatedRows rows in the slice, from statistics
 */
public record SourceProfile(IdType idType, String minId, String maxId, long estimatedRows) {
    public boolean empty() {
        return minId == null;
    }
}
