package com.synapbackfill.limit;

import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.LedgerTable;
import com.synapbackfill.retry.Sleeper;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Fleet-wide {@link RateLimiter} on the ledger table. The limit is split over lanes ({@link RateLanes}); each lane
 * is an item holding the time of its next free slot, in microseconds. A take reads three lanes (eventually consistent)
 * and books the slot of the one that is free soonest: {@code next = max(next, now) + spacing}, answered in the same
 * write, and the caller sleeps until its slot. So every acquire is one write (two when it reads a lane idle and
 * another worker books it first), none fails for want of room, and a lane takes about 2 writes a second at any
 * limit (#33). A {@code PAUSE} item holds the shared pause-until of the last 429, and the fleet's rate factor: a
 * 429 means the real limit is lower than configured, so the whole fleet multiplies its rate by 0.85 (at most once
 * per 2 s, never below half), then recovers by 0.5% a second. Items expire through the table's TTL.
 */
public final class DynamoDbRateLimiter implements RateLimiter {
    private static final long PAUSE_CACHE_MILLIS = 250;
    static final double DECREASE = 0.85;
    static final double MIN_FACTOR = 0.5;
    static final double RECOVERY_PER_SECOND = 0.005;
    static final long DECREASE_EVERY_MILLIS = 2_000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final String scope;
    private final String pk;
    private final RateLanes lanes;
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

    /** @param sleeper how {@link #acquire} waits for a pause or its slot (tests advance their clock instead) */
    public DynamoDbRateLimiter(DynamoDbClient dynamo, String table, String scope, int limitPerMinute,
                               int maxPermitsPerAcquire, Clock clock, Sleeper sleeper) {
        this.dynamo = dynamo;
        this.table = table;
        this.scope = scope;
        this.pk = LedgerTable.ratePk(scope);
        this.lanes = new RateLanes(limitPerMinute, maxPermitsPerAcquire);
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** @return the slot (epoch millis) the permits were granted at: what they count against */
    @Override
    public long acquire(int permits) {
        while (true) {
            long now = clock.millis();
            long pause = pausedUntil(now);
            if (now < pause) {
                LocalRateLimiter.sleep(sleeper, pause - now + ThreadLocalRandom.current().nextLong(50));
                continue;
            }
            long slotMicros = book(permits, now * 1000, factorAt(now));
            long slot = Math.floorDiv(slotMicros + 999, 1000);
            if (slot > now) LocalRateLimiter.sleep(sleeper, slot - now);
            long at = clock.millis();
            // a 429 while this caller waited for its slot: the slot is spent, the pause comes first
            if (at < pausedUntil(at)) continue;
            return slot;
        }
    }

    /**
     * Books {@code permits} on the lane free soonest of three; answers the slot's start in epoch microseconds. A lane
     * read idle but booked by another worker first takes this worker's booking right behind: two writes, never more.
     */
    private long book(int permits, long nowMicros, double f) {
        long spacing = lanes.spacingMicros(permits, f);
        long[][] candidates = candidates(nowMicros);
        AttributeValue ttl = num(nowMicros / 1_000_000 + 3600);
        long[] lane = candidates[0];
        Map<String, AttributeValue> key = laneKey((int) lane[0]);
        try {
            while (true) {
                if (lane[1] <= nowMicros && bookIdle(key, nowMicros, spacing, ttl)) return nowMicros;
                Long slot = bookAhead(key, nowMicros, spacing, ttl);
                if (slot != null) return slot;
                lane[1] = 0; // idle again between the two writes (its item expired): book it as idle
            }
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
    }

    /** An idle lane: its next slot is now. False if another worker booked it since it was read. */
    private boolean bookIdle(Map<String, AttributeValue> key, long nowMicros, long spacing, AttributeValue ttl) {
        try {
            dynamo.updateItem(r -> r.tableName(table).key(key)
                    .updateExpression("SET nextSlot = :next, #ttl = :ttl")
                    .conditionExpression("attribute_not_exists(nextSlot) OR nextSlot <= :now")
                    .expressionAttributeNames(Map.of("#ttl", LedgerTable.TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":next", num(nowMicros + spacing), ":now", num(nowMicros), ":ttl", ttl)));
            return true;
        } catch (ConditionalCheckFailedException booked) {
            return false;
        }
    }

    /** A lane booked ahead: the slot after its last one (its next slot only grows while the item lives), or null. */
    private Long bookAhead(Map<String, AttributeValue> key, long nowMicros, long spacing, AttributeValue ttl) {
        try {
            Map<String, AttributeValue> after = dynamo.updateItem(r -> r.tableName(table).key(key)
                    .updateExpression("SET #ttl = :ttl ADD nextSlot :spacing")
                    .conditionExpression("nextSlot > :now")
                    .expressionAttributeNames(Map.of("#ttl", LedgerTable.TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":spacing", num(spacing), ":now", num(nowMicros), ":ttl", ttl))
                    .returnValues(ReturnValue.UPDATED_NEW)).attributes();
            return Long.parseLong(after.get("nextSlot").n()) - spacing;
        } catch (ConditionalCheckFailedException idle) {
            return null;
        }
    }

    /**
     * Up to three distinct random lanes, read eventually consistent in one request, as {lane, next slot as read (0:
     * never booked)}, soonest first; among lanes read idle, a random one first (so workers waking at the same moment
     * do not all pile onto the one idle lane each saw first). The power of d choices: in
     * a simulated fleet at 1.5× the concurrency the rate needs, three choices use 0.98 of the limit, two 0.95, one 0.76.
     */
    private long[][] candidates(long nowMicros) {
        int n = lanes.lanes();
        if (n == 1) return new long[][] {{0, 0}}; // one lane: nothing to choose, book it (idle first)
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int[] picks = new int[Math.min(3, n)];
        for (int i = 0; i < picks.length; i++) {
            int c;
            do {
                c = rnd.nextInt(n);
            } while (contains(picks, i, c));
            picks[i] = c;
        }
        List<Map<String, AttributeValue>> keys = new java.util.ArrayList<>();
        for (int p : picks) keys.add(laneKey(p));
        List<Map<String, AttributeValue>> items;
        try {
            items = dynamo.batchGetItem(r -> r.requestItems(Map.of(table,
                    KeysAndAttributes.builder().keys(keys).consistentRead(false).build()))).responses().getOrDefault(table, List.of());
        } catch (DynamoDbException | SdkClientException e) {
            throw new RetryableException("limiter_unavailable", "rate limiter table unavailable: " + e.getMessage(), 0, null, e);
        }
        List<long[]> out = new java.util.ArrayList<>();
        for (int p : picks) out.add(new long[] {p, nextSlotOf(items, p)});
        out.sort(java.util.Comparator.comparingLong(c -> Math.max(nowMicros, c[1])));
        int idle = 0;
        while (idle < out.size() && out.get(idle)[1] <= nowMicros) idle++;
        if (idle > 1) java.util.Collections.swap(out, 0, rnd.nextInt(idle));
        return out.toArray(new long[0][]);
    }

    private static boolean contains(int[] a, int upTo, int v) {
        for (int i = 0; i < upTo; i++) if (a[i] == v) return true;
        return false;
    }

    private long nextSlotOf(List<Map<String, AttributeValue>> items, int lane) {
        String lanePk = LedgerTable.rateLanePk(scope, lane);
        for (Map<String, AttributeValue> item : items) {
            if (lanePk.equals(item.get(LedgerTable.PARTITION_KEY).s())) {
                AttributeValue v = item.get("nextSlot");
                return v == null ? 0 : Long.parseLong(v.n());
            }
        }
        return 0; // never booked, or unprocessed by the batch read: as good as idle
    }

    private Map<String, AttributeValue> laneKey(int lane) {
        return Map.of(LedgerTable.PARTITION_KEY, AttributeValue.fromS(LedgerTable.rateLanePk(scope, lane)),
                LedgerTable.SORT_KEY, AttributeValue.fromS(LedgerTable.RATE_LANE_SK));
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
