package com.synapbackfill.limit;

import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.LedgerTable;
import com.synapbackfill.retry.Sleeper;
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
 * makes the caller wait for the next one. A {@code PAUSE} item holds the shared pause-until of the last 429,
 * and the fleet's rate factor: a 429 means the real limit is lower than configured, so the whole fleet
 * multiplies its rate by 0.85 (at most once per 2 s, never below half), then recovers by 0.5% a second. Items
 * expire through the table's TTL.
 */
public final class DynamoDbRateLimiter implements RateLimiter {
    private static final long PAUSE_CACHE_MILLIS = 250;
    static final double DECREASE = 0.85;
    static final double MIN_FACTOR = 0.5;
    static final double RECOVERY_PER_SECOND = 0.005;
    static final long DECREASE_EVERY_MILLIS = 2_000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final String pk;
    private final RateWindows windows;
    private final Clock clock;
    private final Sleeper sleeper;
    private volatile long pauseReadAt = -1; // never read yet (not Long.MIN_VALUE: now - MIN_VALUE overflows)
    private volatile long pausedUntil;
    private volatile double factor = 1.0;
    private volatile long factorAt;

    /** @param scope the Instance (or run) the limit belongs to; every worker of that Instance must use the same */
    public DynamoDbRateLimiter(DynamoDbClient dynamo, String table, String scope, int limitPerMinute,
                               int maxPermitsPerAcquire, Clock clock) {
        this(dynamo, table, scope, limitPerMinute, maxPermitsPerAcquire, clock, Sleeper.REAL);
    }

    /** @param sleeper how {@link #acquire} waits for a pause or the next window (tests advance their clock instead) */
    public DynamoDbRateLimiter(DynamoDbClient dynamo, String table, String scope, int limitPerMinute,
                               int maxPermitsPerAcquire, Clock clock, Sleeper sleeper) {
        this.dynamo = dynamo;
        this.table = table;
        this.pk = LedgerTable.ratePk(scope);
        this.windows = new RateWindows(limitPerMinute, maxPermitsPerAcquire);
        this.clock = clock;
        this.sleeper = sleeper;
    }

    @Override
    public long acquire(int permits) {
        while (true) {
            long now = clock.millis();
            long pause = pausedUntil(now);
            if (now < pause) {
                LocalRateLimiter.sleep(sleeper, pause - now + ThreadLocalRandom.current().nextLong(50));
                continue;
            }
            long w = windows.windowOf(now);
            long quota = windows.quota(w, factorAt(now));
            if (permits <= quota && tryTake(w, permits, quota)) return windows.startOf(w);
            LocalRateLimiter.sleep(sleeper, windows.startOf(w + 1) - now + ThreadLocalRandom.current().nextLong(5));
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
            if (item != null && item.get("factor") != null) {
                factor = Double.parseDouble(item.get("factor").n());
                factorAt = Long.parseLong(item.get("factorAt").n());
            }
            pauseReadAt = now;
            return pausedUntil;
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
    }

    /** The fleet's rate factor at {@code now}: the last decrease, recovered linearly since. */
    double factorAt(long now) {
        return Math.min(1.0, factor + Math.max(0, now - factorAt) / 1000.0 * RECOVERY_PER_SECOND);
    }

    @Override
    public void pauseUntil(Instant until) {
        long now = clock.millis();
        double lowered = Math.max(MIN_FACTOR, factorAt(now) * DECREASE);
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of(LedgerTable.PARTITION_KEY, AttributeValue.fromS(pk), LedgerTable.SORT_KEY, AttributeValue.fromS("PAUSE")))
                    .updateExpression("SET factor = :f, factorAt = :now")
                    .conditionExpression("attribute_not_exists(factorAt) OR factorAt < :recent")
                    .expressionAttributeValues(Map.of(":f", AttributeValue.fromN(Double.toString(lowered)), ":now", num(now),
                            ":recent", num(now - DECREASE_EVERY_MILLIS))));
            factor = lowered;
            factorAt = now;
        } catch (ConditionalCheckFailedException recentlyLowered) {
            // another worker lowered the fleet's rate for this same burst
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
        pauseReadAt = -1; // re-read the shared state at the next acquire
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
