package com.synapbackfill.synap;

import java.util.List;

/**
 * What Synap's status endpoint says of one accepted document (docs/synap-api.md §4.2): long-range extraction
 * runs after {@code batch_create} answered {@code queued}, for minutes to hours.
 *
 * @param ingestionId     the id batch_create answered
 * @param documentId      the document's id
 * @param status          queued, processing, completed, failed or partial_success
 * @param memoriesCreated memories extraction made (0 until terminal)
 * @param memoryIds       their ids
 * @param errorMessage    why extraction failed or partly failed, else null
 */
public record IngestionStatus(String ingestionId, String documentId, String status, int memoriesCreated,
                              List<String> memoryIds, String errorMessage) {
    public IngestionStatus {
        memoryIds = memoryIds == null ? List.of() : List.copyOf(memoryIds);
    }

    /** Extraction is over: completed, partial_success or failed. */
    public boolean terminal() {
        return terminal(status);
    }

    public static boolean terminal(String status) {
        return "completed".equals(status) || "failed".equals(status) || "partial_success".equals(status);
    }
}
