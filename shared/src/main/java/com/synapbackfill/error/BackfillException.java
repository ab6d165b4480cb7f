package com.synapbackfill.error;

/**
 * The one exception family services see. Foreign exceptions (OkHttp, JDBC, DynamoDB) are translated into
 * one of these where they first appear:
 * <ul>
 *   <li>{@link RetryableException}: try again later (429, 5xx, timeouts, dropped connections);</li>
 *   <li>{@link PermanentException}: this input will never succeed (400/422, 404, 409, bad rows, bad config);</li>
 *   <li>{@link BlockedException}: the whole run must stop until an operator acts (401/403 auth, 402 credits);</li>
 *   <li>{@link LeaseConflictException}: another worker owns the shard; stop touching it.</li>
 * </ul>
 */
public abstract sealed class BackfillException extends RuntimeException
        permits RetryableException, PermanentException, BlockedException, LeaseConflictException {
    private final int httpStatus;

    protected BackfillException(String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** The HTTP status behind this error, or 0 when there was none (I/O, SQL, condition failures). */
    public int httpStatus() {
        return httpStatus;
    }

    /** A short stable name for reports and the failure ledger, e.g. {@code invalid_input}. */
    public abstract String errorClass();
}
