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

    /**
     * {@code GET /v1/credits/balance}: the wallet the key's client spends; empty when this Synap does not report credits
     * (an older server answers 404), which a caller must treat as unknown, never as zero.
     */
    default java.util.Optional<CreditBalance> balance() {
        return java.util.Optional.empty();
    }

    /**
     * {@code POST /v1/credits/estimate}: Synap's price of {@code documents} documents sent with batch_create in {@code mode};
     * empty when this Synap does not price (404).
     */
    default java.util.OptionalDouble estimateCredits(long documents, String mode) {
        return java.util.OptionalDouble.empty();
    }

    /**
     * The client and Instance an API key resolves to, and the Instance's {@code user_context_isolation}
     * ({@link #B2C} or {@link #B2B}; null when Synap did not report it).
     */
    record Identity(String clientId, String instanceId, String isolation) {
        public Identity(String clientId, String instanceId) {
            this(clientId, instanceId, null);
        }
    }

    /** {@code user_context_isolation} of a B2C Instance: user_id is the whole identity, a customer_id is refused (400). */
    String B2C = "equals_customer";
    /** {@code user_context_isolation} of a B2B Instance: user_id needs customer_id beside it. */
    String B2B = "strict";

    /** A credit wallet (SDK 0.6.9 {@code CreditBalance}). */
    record CreditBalance(String clientId, double balanceCredits, boolean warningLow, java.util.List<Bucket> buckets) {
        /** One (source, expiry) part of the balance. */
        public record Bucket(String sourceType, double balance, String expiresAt) {
        }
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
