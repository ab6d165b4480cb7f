package com.synapbackfill.limit;

import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.LedgerTable;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/**
 * Fleet-wide {@link RateLimiter} on the ledger table: each window is an item whose {@code granted} counter
 * is raised with a conditional {@code ADD} only while it stays within the window's quota; a full window
 * makes the caller wait for the next one. A {@code PAUSE} item holds the shared pause-until of the last 429.
 * Items expire through the table's TTL.
 */
public final class DynamoDbRateLimiter implements RateLimiter {
    private static final long PAUSE_CACHE_MILLIS = 250;

    private final DynamoDbClient dynamo;
    private final String table;
    private final String pk;
    private final RateWindows windows;
    private final Clock clock;
    private volatile long pauseReadAt = -1; // never read yet (not Long.MIN_VALUE: now - MIN_VALUE overflows)
    private volatile long pausedUntil;

    /** @param scope the Instance (or run) the limit belongs to; every worker of that Instance must use the same */
    public DynamoDbRateLimiter(DynamoDbClient dynamo, String table, String scope, int limitPerMinute,
                               int maxPermitsPerAcquire, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.pk = "RATE#" + scope;
        this.windows = new RateWindows(limitPerMinute, maxPermitsPerAcquire);
        this.clock = clock;
    }

    @Override
    public void acquire(int permits) {
        while (true) {
            long now = clock.millis();
            long pause = pausedUntil(now);
            if (now < pause) {
                LocalRateLimiter.sleep(pause - now + ThreadLocalRandom.current().nextLong(50));
                continue;
            }
            long w = windows.windowOf(now);
            long quota = windows.quota(w);
            if (permits <= quota && tryTake(w, permits, quota)) return;
            LocalRateLimiter.sleep(windows.startOf(w + 1) - now + ThreadLocalRandom.current().nextLong(5));
        }
    }

    private boolean tryTake(long w, int permits, long quota) {
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of(LedgerTable.PARTITION_KEY, AttributeValue.fromS(pk), LedgerTable.SORT_KEY, AttributeValue.fromS("W#" + w)))
                    .updateExpression("SET #ttl = :ttl ADD granted :p")
                    .conditionExpression("attribute_not_exists(granted) OR granted <= :max")
                    .expressionAttributeNames(Map.of("#ttl", LedgerTable.TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":p", num(permits), ":max", num(quota - permits),
                            ":ttl", num(windows.startOf(w + 1) / 1000 + 3600))));
            return true;
        } catch (ConditionalCheckFailedException full) {
            return false;
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
    }

    private long pausedUntil(long now) {
        if (pauseReadAt >= 0 && now - pauseReadAt < PAUSE_CACHE_MILLIS) return pausedUntil;
        try {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of(LedgerTable.PARTITION_KEY, AttributeValue.fromS(pk), LedgerTable.SORT_KEY, AttributeValue.fromS("PAUSE")))).item();
            AttributeValue v = item == null ? null : item.get("until");
            pausedUntil = Math.max(pausedUntil, v == null ? 0 : Long.parseLong(v.n()));
            pauseReadAt = now;
            return pausedUntil;
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
    }

    @Override
    public void pauseUntil(Instant until) {
        long u = until.toEpochMilli();
        pausedUntil = Math.max(pausedUntil, u);
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of(LedgerTable.PARTITION_KEY, AttributeValue.fromS(pk), LedgerTable.SORT_KEY, AttributeValue.fromS("PAUSE")))
                    .updateExpression("SET #u = :u, #ttl = :ttl")
                    .conditionExpression("attribute_not_exists(#u) OR #u < :u")
                    .expressionAttributeNames(Map.of("#u", "until", "#ttl", LedgerTable.TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":u", num(u), ":ttl", num(u / 1000 + 3600))));
        } catch (ConditionalCheckFailedException later) {
            // someone already paused longer
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
    }

    private static AttributeValue num(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
