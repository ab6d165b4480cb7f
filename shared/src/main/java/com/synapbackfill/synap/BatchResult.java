package com.synapbackfill.synap;

import java.util.List;
import java.util.Objects;

/**
 * A parsed 200 answer of batch_create (docs/synap-api.md §4.1) plus what the client measured.
 *
 * @param batchId       server's batch UUID
 * @param total         documents the server counted
 * @param succeeded     queued count
 * @param failed        failed count
 * @param results       one per input document, in input order
 * @param latencyMillis duration of the attempt that succeeded
 * @param attempts      HTTP attempts made (1 = no retry)
 * @param throttled     429 answers seen on the way
 * @param correlationId the call's {@code X-Correlation-ID} (what support asks for about an item that failed), or null
 * @param serverErrors  5xx answers seen on the way (retried), for the run's per-minute picture
 */
public record BatchResult(String batchId, int total, int succeeded, int failed, List<ItemResult> results,
                          long latencyMillis, int attempts, int throttled, String correlationId, int serverErrors) {
    public BatchResult {
        Objects.requireNonNull(batchId, "batchId");
        results = List.copyOf(results);
    }

    public BatchResult(String batchId, int total, int succeeded, int failed, List<ItemResult> results, long latencyMillis, int attempts,
                       int throttled) {
        this(batchId, total, succeeded, failed, results, latencyMillis, attempts, throttled, null, 0);
    }

    public BatchResult(String batchId, int total, int succeeded, int failed, List<ItemResult> results, long latencyMillis, int attempts,
                       int throttled, String correlationId) {
        this(batchId, total, succeeded, failed, results, latencyMillis, attempts, throttled, correlationId, 0);
    }

    public BatchResult withCorrelationId(String id) {
        return new BatchResult(batchId, total, succeeded, failed, results, latencyMillis, attempts, throttled, id, serverErrors);
    }

    public BatchResult withServerErrors(int n) {
        return new BatchResult(batchId, total, succeeded, failed, results, latencyMillis, attempts, throttled, correlationId, n);
    }

    /** Attempts that were retried before the answer (429s, 5xx, timeouts, dropped connections). */
    public int retries() {
        return Math.max(0, attempts - 1);
    }

    /** What a failure row of one of its items says after Synap's message: the batch and the call's correlation id. */
    public String trace() {
        return " [batch " + batchId + (correlationId == null ? "" : ", correlation id " + correlationId) + "]";
    }

    /**
     * One document's outcome.
     *
     * @param ingestionId  UUID
     * @param documentId   the id as stored
     * @param status       queued, processing, completed, failed or partial_success
     * @param queuedAt     ISO-8601 time
     * @param errorMessage why it failed, else null
     * @param code         a machine-readable reason the result carries ({@code code}), else null
     */
    public record ItemResult(String ingestionId, String documentId, String status, String queuedAt,
                             String errorMessage, String code) {
        public ItemResult(String ingestionId, String documentId, String status, String queuedAt, String errorMessage) {
            this(ingestionId, documentId, status, queuedAt, errorMessage, null);
        }

        public boolean failed() {
            return "failed".equals(status);
        }

        /**
         * A refusal that says this document id is already stored (a retry or a re-run, not a loss), in exactly the form
         * docs/synap-api.md §5.3 records: a failed result whose {@code code} is {@code duplicate_document_id}, or whose
         * message begins {@code document_id already ingested}. Any other failure is a failure, whatever words it uses
         * ("duplicate key 'source' in metadata" is not a duplicate of the document).
         */
        public boolean duplicate() {
            if (!failed()) return false;
            if (DUPLICATE_CODE.equals(code)) return true;
            return errorMessage != null && errorMessage.strip().toLowerCase(java.util.Locale.ROOT).startsWith(DUPLICATE_MESSAGE);
        }
    }

    /** The code of a result (or a 409's detail) refusing a document id Synap already holds. */
    public static final String DUPLICATE_CODE = "duplicate_document_id";
    /** How a per-item duplicate's message begins (docs/synap-api.md §4.1, §5.3). */
    public static final String DUPLICATE_MESSAGE = "document_id already ingested";
}
