package com.synapbackfill.limit;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.testing.TestAws;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The fleet-wide limiter on DynamoDB Local: 8 threads hammering acquire() never beat the limit, and use it. */
class DynamoDbRateLimiterIT {
    static final DynamoDbClient DYNAMO = TestAws.clients().dynamo();
    static final String TABLE = TestAws.newTable(DYNAMO);

    /** Grants per second of a run of {@code seconds} with 8 threads, each with its own limiter instance (own "worker"). */
    static Map<Long, AtomicLong> hammer(String scope, int limit, int seconds) throws Exception {
        Map<Long, AtomicLong> perSecond = new ConcurrentHashMap<>();
        long end = System.currentTimeMillis() + seconds * 1000L;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            RateLimiter limiter = new DynamoDbRateLimiter(DYNAMO, TABLE, scope, limit, 1, Clock.systemUTC());
            fs.add(pool.submit(() -> {
                while (System.currentTimeMillis() < end) {
                    // counted in the second of the window the grant belongs to, as the limiter decided it: a thread
                    // descheduled between the grant and reading the clock must not move it into the next second
                    long granted = limiter.acquire(1);
                    if (granted < end) perSecond.computeIfAbsent(granted / 1000, k -> new AtomicLong()).incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        return perSecond;
    }

    static void assertWithinLimit(Map<Long, AtomicLong> perSecond, int limit, int seconds) {
        long quota = (long) Math.ceil(limit / 60.0);
        perSecond.values().forEach(v -> assertThat(v.get()).as("grants in one window").isLessThanOrEqualTo(quota));
        long total = perSecond.values().stream().mapToLong(AtomicLong::get).sum();
        double allowed = limit / 60.0 * seconds;
        assertThat((double) total).isLessThanOrEqualTo(allowed + quota);
        assertThat((double) total).isGreaterThanOrEqualTo(0.95 * allowed - quota);
    }

    @Test
    void neverGrantsMoreThanTheLimitAndGrantsNearlyAllOfItAt600AndAt3000() throws Exception {
        assertWithinLimit(hammer("l600", 600, 10), 600, 10);
        assertWithinLimit(hammer("l3000", 3000, 10), 3000, 10);
    }

    @Test
    void aPauseFromOneWorkerStopsEveryWorkerUntilItPasses() throws Exception {
        RateLimiter a = new DynamoDbRateLimiter(DYNAMO, TABLE, "pause", 6000, 1, Clock.systemUTC());
        RateLimiter b = new DynamoDbRateLimiter(DYNAMO, TABLE, "pause", 6000, 1, Clock.systemUTC());
        b.acquire(1);
        Instant until = Instant.now().plusMillis(1500);
        a.pauseUntil(until);
        Thread.sleep(300); // past b's pause cache
        b.acquire(1);
        assertThat(Instant.now()).isAfterOrEqualTo(until);
    }

    @Test
    void a429LowersTheWholeFleetsRateOnceThenItRecovers() {
        Clock clock = Clock.systemUTC();
        DynamoDbRateLimiter a = new DynamoDbRateLimiter(DYNAMO, TABLE, "aimd", 600, 1, clock);
        DynamoDbRateLimiter b = new DynamoDbRateLimiter(DYNAMO, TABLE, "aimd", 600, 1, clock);
        a.pauseUntil(Instant.now());
        a.pauseUntil(Instant.now()); // the same burst, seen twice: lowered once
        b.acquire(1); // reads the shared state
        long now = clock.millis();
        assertThat(b.factorAt(now)).isBetween(0.84, 0.86);
        assertThat(b.factorAt(now + 10_000)).isBetween(0.89, 0.91);
        assertThat(b.factorAt(now + 60_000)).isEqualTo(1.0);
        RateWindows w = new RateWindows(600, 1);
        long sum = 0;
        for (long i = 0; i < 300; i++) sum += w.quota(1_000_000 + i, 0.85);
        assertThat(sum).isEqualTo(510); // 85% of 600 over a minute of 200 ms windows
    }
}
