package com.synapbackfill.synap;

import com.synapbackfill.model.MemoryDocument;
import java.time.Duration;
import java.util.List;

/**
 * Port to Synap's memory API. Implementations throw only {@link com.synapbackfill.error.BackfillException}s:
 * retryable ones after their own retry budget is spent, the others at once.
 */
public interface SynapApi {

    /** {@code POST /api/v1/memories/batch} with at most 100 documents; one result per document, in order. */
    BatchResult batchCreate(List<MemoryDocument> documents);

    /**
     * The same call with each document already encoded as {@link BatchBody#encode} writes it: the worker
     * encodes a document once, for its batch byte cap and for the body. Implementations that do not send JSON
     * ignore {@code encoded}.
     */
    default BatchResult batchCreate(List<MemoryDocument> documents, List<byte[]> encoded) {
        return batchCreate(documents);
    }

    /**
     * {@code GET /api/v1/memories/status/{ingestionId}}: where extraction of an accepted document stands. An id
     * Synap does not know is a {@link com.synapbackfill.error.PermanentException} of kind NOT_FOUND.
     */
    IngestionStatus status(String ingestionId);

    /** {@code GET /api/v1/auth/whoami}: proves the base URL and key work before a run starts. */
    Identity whoami();

    /** The client and Instance an API key resolves to. */
    record Identity(String clientId, String instanceId) {
    }

    /**
     * Called by the client around every HTTP attempt, retries included, so a fleet-wide rate limiter sees
     * every request and every 429.
     */
    interface CallGate {
        /** Blocks until a call carrying {@code documents} documents may be made. */
        void beforeCall(int documents);

        /** Synap answered 429; {@code retryAfter} is its Retry-After (or a default when it sent none). */
        void onThrottled(Duration retryAfter);

        /**
         * An attempt failed for another reason the client retries (connection refused, timeout, 5xx, not ready):
         * {@code what} is {@code errorClass: message}. Called before the client backs off.
         */
        default void onCallFailed(String what) {
        }

        CallGate NONE = new CallGate() {
            @Override
            public void beforeCall(int documents) {
            }

            @Override
            public void onThrottled(Duration retryAfter) {
            }
        };
    }
}
