package com.synapbackfill.model;

import java.util.Objects;

/**
 * One row that did not reach Synap, as the failure ledger keeps it. Never the conversation text: re-read it
 * from the source by {@code sourceId}.
 *
 * @param runId        run
 * @param key          unique per run: the document id, or {@code row:<sourceId>} when none could be derived
 * @param documentId   document id when one could be derived, else null
 * @param sourceId     the source row's id
 * @param shardNo      shard the row belongs to
 * @param errorClass   e.g. {@code bad_row:empty_text}, {@code invalid_input}, {@code item_failed}
 * @param httpStatus   HTTP status when Synap refused it, else 0
 * @param message      reason, trimmed (never row text)
 * @param attempts     how often it failed
 * @param firstSeenEpochMillis first failure
 * @param lastSeenEpochMillis  latest failure
 * @param resolved     a later retry succeeded
 */
public record FailureRecord(String runId, String key, String documentId, String sourceId, int shardNo,
                            String errorClass, int httpStatus, String message, int attempts,
                            long firstSeenEpochMillis, long lastSeenEpochMillis, boolean resolved) {
    public static final int MAX_MESSAGE = 500;

    public FailureRecord {
        RunIds.requireValid(runId);
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(errorClass, "errorClass");
        message = message == null ? "" : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "…" : message;
    }

    /**
     * Whether this failure has {@code reason}: an error class (e.g. {@code bad_row:empty_text}) or a prefix
     * ending in {@code :} (e.g. {@code bad_row:} for every bad-row kind); null matches every failure.
     */
    public boolean hasReason(String reason) {
        if (reason == null) return true;
        return reason.endsWith(":") ? errorClass.startsWith(reason) : errorClass.equals(reason);
    }

    /** A first occurrence at {@code nowMillis}. */
    public static FailureRecord of(String runId, String documentId, String sourceId, int shardNo, String errorClass,
                                   int httpStatus, String message, long nowMillis) {
        String key = documentId != null ? documentId : "row:" + sourceId;
        return new FailureRecord(runId, key, documentId, sourceId, shardNo, errorClass, httpStatus, message, 1,
                nowMillis, nowMillis, false);
    }
}
