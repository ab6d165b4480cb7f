package com.synapbackfill.ledger;

import com.synapbackfill.error.RetryableException;
import com.synapbackfill.retry.Backoff;
import com.synapbackfill.retry.Sleeper;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The ledger's calls to DynamoDB: errors translated where they happen (throttling, 5xx and an unreachable endpoint
 * become {@link RetryableException}; a failed condition stays itself, for the caller to read), and transactions
 * retried with the project's {@link Backoff} and {@link Sleeper}.
 */
final class LedgerCalls {
    /** Transaction and batch-write retries: up to 50 ms, 100 ms, ... 2 s (full jitter). */
    private static final Backoff RETRIES = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), Backoff.Jitter.FULL);
    private static final int ATTEMPTS = 8;

    private final DynamoDbClient dynamo;
    private final Sleeper sleeper;

    LedgerCalls(DynamoDbClient dynamo, Sleeper sleeper) {
        this.dynamo = dynamo;
        this.sleeper = sleeper;
    }

    /** Translates throttling and connection failures at the point they happen. */
    static <T> T call(Supplier<T> op) {
        try {
            return op.get();
        } catch (ConditionalCheckFailedException | TransactionCanceledException e) {
            throw e;
        } catch (DynamoDbException e) {
            if (e.isThrottlingException() || e.statusCode() >= 500)
                throw new RetryableException("ledger_unavailable", "DynamoDB: " + e.awsErrorDetails().errorMessage(), e.statusCode(), null, e);
            throw e;
        } catch (SdkClientException e) {
            throw new RetryableException("ledger_unavailable", "DynamoDB unreachable: " + e.getMessage(), 0, null, e);
        }
    }

    /**
     * Runs a transaction, retrying what a retry can fix (another worker's transaction on the same item,
     * throttling) with backoff, at most 8 times. {@code onCancel} reads the cancellation reasons first: it throws,
     * answers the outcome (false: a condition said no), or returns null to retry.
     */
    boolean transact(List<TransactWriteItem> items, String what,
                     BiFunction<List<CancellationReason>, TransactionCanceledException, Boolean> onCancel) {
        for (int attempt = 1; ; attempt++) {
            try {
                call(() -> dynamo.transactWriteItems(r -> r.transactItems(items)));
                return true;
            } catch (TransactionCanceledException e) {
                Boolean outcome = onCancel.apply(e.cancellationReasons(), e);
                if (outcome != null) return outcome;
                if (attempt >= ATTEMPTS) throw new RetryableException("ledger_conflict", what + " kept conflicting: "
                        + e.cancellationReasons().stream().map(CancellationReason::code).collect(Collectors.toList()), 0, null, e);
                backoff(attempt);
            }
        }
    }

    /** Waits out the back-off before retry {@code attempt} (from 1). */
    void backoff(int attempt) {
        try {
            sleeper.sleep(RETRIES.delay(attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableException("interrupted", "interrupted", 0, null, e);
        }
    }
}
