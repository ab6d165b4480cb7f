package com.synapbackfill.limit;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.testing.MutableClock;
import com.synapbackfill.testing.TestAws;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The fleet-wide limiter on DynamoDB Local. That it uses all of the limit is checked in virtual time (a test clock
 * its sleeper advances: exact, and independent of how busy the machine is); that it never beats the limit is also
 * checked with 8 threads on the real clock, where the only assertion is an upper bound a slow machine cannot break.
 */
class DynamoDbRateLimiterIT {
    static final DynamoDbClient DYNAMO = TestAws.clients().dynamo();
    static final String TABLE = TestAws.newTable(DYNAMO);
    /**
     * Virtual time starts on a window boundary of every limit used here (a whole minute), a day ahead of the real
     * clock: the limiter's items carry a TTL an hour past their window, and DynamoDB Local deletes expired items
     * (a virtual time in the past would lose window counters mid-test).
     */
    static final Instant START = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.DAYS);

    /** Grants per window of a run of {@code seconds} with 8 threads, each with its own limiter instance (own "worker"). */
    static Map<Long, AtomicLong> hammer(String scope, int limit, int seconds) throws Exception {
        Map<Long, AtomicLong> perWindow = new ConcurrentHashMap<>();
        long end = System.currentTimeMillis() + seconds * 1000L;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            RateLimiter limiter = new DynamoDbRateLimiter(DYNAMO, TABLE, scope, limit, 1, Clock.systemUTC());
            fs.add(pool.submit(() -> {
                while (System.currentTimeMillis() < end) {
                    // counted in the window the limiter granted it in: a thread descheduled between the grant and
                    // reading the clock must not move it into the next window
                    long granted = limiter.acquire(1);
                    if (granted < end) perWindow.computeIfAbsent(granted, k -> new AtomicLong()).incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        return perWindow;
    }

    @Test
    void eightConcurrentWorkersNeverBeatTheLimitAt600AndAt3000() throws Exception {
        for (int limit : new int[] {600, 3000}) {
            RateWindows w = new RateWindows(limit, 1);
            Map<Long, AtomicLong> perWindow = hammer("l" + limit, limit, 4);
            assertThat(perWindow).as("grants at %d/min", limit).isNotEmpty();
            perWindow.forEach((start, n) -> assertThat(n.get()).as("grants in the window at %d (limit %d/min)", start, limit)
                    .isLessThanOrEqualTo(w.quota(w.windowOf(start))));
            long total = perWindow.values().stream().mapToLong(AtomicLong::get).sum();
            assertThat((double) total).isLessThanOrEqualTo(limit / 60.0 * 4 + w.quota(0));
        }
    }

    /**
     * Eight limiter instances (eight workers) take turns on one thread in virtual time: every window of ten virtual
     * seconds is granted exactly its quota — none beyond it, and none left unused by a limiter that slept too long.
     */
    @Test
    void grantsExactlyEachWindowsQuotaInVirtualTimeAt600AndAt3000() {
        for (int limit : new int[] {600, 3000}) {
            MutableClock clock = new MutableClock(START);
            List<RateLimiter> fleet = new ArrayList<>();
            for (int t = 0; t < 8; t++)
                fleet.add(new DynamoDbRateLimiter(DYNAMO, TABLE, "virtual" + limit, limit, 1, clock, clock.sleeper()));
            Map<Long, Long> perWindow = new TreeMap<>();
            long end = START.plusSeconds(10).toEpochMilli();
            for (int i = 0; clock.millis() < end; i++) perWindow.merge(fleet.get(i % 8).acquire(1), 1L, Long::sum);
            RateWindows w = new RateWindows(limit, 1);
            perWindow.keySet().removeIf(start -> start >= end);
            long expected = 0;
            for (long win = w.windowOf(START.toEpochMilli()); w.startOf(win) < end; win++) {
                expected += w.quota(win);
                assertThat(perWindow.getOrDefault(w.startOf(win), 0L)).as("grants in window %d at %d/min", win, limit)
                        .isEqualTo(w.quota(win));
            }
            assertThat(perWindow.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected).isEqualTo(limit / 6);
        }
    }

    @Test
    void aPauseFromOneWorkerStopsEveryWorkerUntilItPasses() {
        MutableClock clock = new MutableClock(START);
        RateLimiter a = new DynamoDbRateLimiter(DYNAMO, TABLE, "pause", 6000, 1, clock, clock.sleeper());
        RateLimiter b = new DynamoDbRateLimiter(DYNAMO, TABLE, "pause", 6000, 1, clock, clock.sleeper());
        b.acquire(1);
        Instant until = clock.instant().plusMillis(1500);
        a.pauseUntil(until);
        clock.advance(Duration.ofMillis(300)); // past b's pause cache
        Duration before = clock.slept();
        long granted = b.acquire(1);
        assertThat(clock.instant()).isAfterOrEqualTo(until);
        assertThat(granted).isGreaterThanOrEqualTo(new RateWindows(6000, 1).startOf(new RateWindows(6000, 1).windowOf(until.toEpochMilli())));
        assertThat(clock.slept().minus(before)).as("b waited out the rest of the pause, not much more")
                .isBetween(Duration.ofMillis(1200), Duration.ofMillis(1300));
    }

    @Test
    void a429LowersTheWholeFleetsRateOnceThenItRecovers() {
        MutableClock clock = new MutableClock(START.plusSeconds(3600));
        DynamoDbRateLimiter a = new DynamoDbRateLimiter(DYNAMO, TABLE, "aimd", 600, 1, clock, clock.sleeper());
        DynamoDbRateLimiter b = new DynamoDbRateLimiter(DYNAMO, TABLE, "aimd", 600, 1, clock, clock.sleeper());
        a.pauseUntil(clock.instant());
        a.pauseUntil(clock.instant()); // the same burst, seen twice: lowered once
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
