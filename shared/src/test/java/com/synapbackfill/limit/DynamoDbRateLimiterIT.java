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
 * The fleet-wide limiter on DynamoDB Local. That it never beats the limit in any sliding minute, and uses all of it
 * at 360/min, is checked in virtual time (a test clock its sleeper advances: exact, and independent of how busy the
 * machine is); that it never beats the limit is also checked with 8 threads on the real clock, where the only
 * assertion is an upper bound a slow machine cannot break.
 */
class DynamoDbRateLimiterIT {
    static final DynamoDbClient DYNAMO = TestAws.clients().dynamo();
    static final String TABLE = TestAws.newTable(DYNAMO);
    /**
     * Virtual time starts on a whole minute, a day ahead of the real clock: the limiter's lane items carry a TTL an
     * hour past their last booking, and DynamoDB Local deletes expired items (a virtual time in the past would lose
     * the lanes' next slots mid-test).
     */
    static final Instant START = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.DAYS);

    /** Grants per slot of a run of {@code seconds} with 8 threads, each with its own limiter instance (own "worker"). */
    static Map<Long, AtomicLong> hammer(String scope, int limit, int seconds) throws Exception {
        Map<Long, AtomicLong> perWindow = new ConcurrentHashMap<>();
        long end = System.currentTimeMillis() + seconds * 1000L;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            RateLimiter limiter = new DynamoDbRateLimiter(DYNAMO, TABLE, scope, limit, 1, Clock.systemUTC());
            fs.add(pool.submit(() -> {
                while (System.currentTimeMillis() < end) {
                    // counted at the slot the limiter granted: a thread descheduled between the grant and reading
                    // the clock must not move it
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

    /** The most grants whose slots fall within any {@code spanMillis} starting at a grant. */
    static long mostWithin(List<Long> slots, long spanMillis) {
        List<Long> sorted = new ArrayList<>(slots);
        java.util.Collections.sort(sorted);
        long most = 0;
        for (int i = 0, j = 0; i < sorted.size(); i++) {
            while (j < sorted.size() && sorted.get(j) < sorted.get(i) + spanMillis) j++;
            most = Math.max(most, j - i);
        }
        return most;
    }

    static List<Long> slots(Map<Long, AtomicLong> perSlot) {
        List<Long> out = new ArrayList<>();
        perSlot.forEach((slot, n) -> {
            for (long i = 0; i < n.get(); i++) out.add(slot);
        });
        return out;
    }

    /**
     * Eight threads on the real clock: within any second, the lanes grant at most their rate for a second plus one
     * slot each (a lane's slots are its spacing apart), and over the run at most the rate plus one slot per lane.
     */
    @Test
    void eightConcurrentWorkersNeverBeatTheLimitAt600AndAt3000() throws Exception {
        for (int limit : new int[] {600, 3000}) {
            RateLanes lanes = new RateLanes(limit, 1);
            List<Long> granted = slots(hammer("l" + limit, limit, 4));
            assertThat(granted).as("grants at %d/min", limit).isNotEmpty();
            assertThat(mostWithin(granted, 1000)).as("grants within any second at %d/min", limit)
                    .isLessThanOrEqualTo((long) Math.floor(lanes.fleetRate() / 60.0) + lanes.lanes());
            assertThat((double) granted.size()).isLessThanOrEqualTo(lanes.fleetRate() / 60.0 * 4 + lanes.lanes());
        }
    }

    /**
     * Eight limiter instances (eight workers) take turns on one thread in virtual time for two minutes and five seconds:
     * no sliding minute holds more than the limit, and at 360/min (two lanes, both read at every take) the fleet
     * uses every slot: the middle minute holds exactly the lanes' rate. (One thread booking one slot at a time
     * leaves lanes idle at higher rates, where many lanes are read three at a time; the fleet's use of the limit
     * there is the ceiling bench's figure.)
     */
    @Test
    void noSlidingMinuteHoldsMoreThanTheLimitInVirtualTime() {
        for (int limit : new int[] {360, 1200}) {
            MutableClock clock = new MutableClock(START);
            List<RateLimiter> fleet = new ArrayList<>();
            for (int t = 0; t < 8; t++)
                fleet.add(new DynamoDbRateLimiter(DYNAMO, TABLE, "virtual" + limit, limit, 1, clock, clock.sleeper()));
            List<Long> granted = new ArrayList<>();
            long end = START.plusSeconds(125).toEpochMilli();
            for (int i = 0; clock.millis() < end; i++) granted.add(fleet.get(i % 8).acquire(1));
            assertThat(mostWithin(granted, 60_000)).as("grants within any minute at %d/min", limit).isLessThanOrEqualTo(limit);
            long middle = granted.stream().filter(g -> g >= START.toEpochMilli() + 60_000 && g < START.toEpochMilli() + 120_000).count();
            if (limit == 360) assertThat(middle).isEqualTo(new RateLanes(limit, 1).fleetRate()).isEqualTo(360);
            else assertThat(middle).as("grants in the middle minute at %d/min", limit).isPositive();
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
        assertThat(granted).isGreaterThanOrEqualTo(until.toEpochMilli());
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
