package com.synapbackfill.limit;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The single-process limiter in virtual time: the same windows as the fleet's, exactly their quotas, pauses honoured. */
class LocalRateLimiterTest {
    static final Instant START = Instant.parse("2026-12-02T10:00:00Z"); // a window boundary of every limit here

    @Test
    void grantsExactlyEachWindowsQuotaAndNoMore() {
        for (int limit : new int[] {600, 3000, 6000}) {
            MutableClock clock = new MutableClock(START);
            RateLimiter limiter = new LocalRateLimiter(limit, 1, clock, clock.sleeper());
            RateWindows w = new RateWindows(limit, 1);
            long end = START.plusSeconds(10).toEpochMilli();
            Map<Long, Long> perWindow = new TreeMap<>();
            while (clock.millis() < end) perWindow.merge(limiter.acquire(1), 1L, Long::sum);
            perWindow.keySet().removeIf(start -> start >= end);
            for (long win = w.windowOf(START.toEpochMilli()); w.startOf(win) < end; win++)
                assertThat(perWindow.getOrDefault(w.startOf(win), 0L)).as("window %d at %d/min", win, limit).isEqualTo(w.quota(win));
            assertThat(perWindow.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(limit / 6);
        }
    }

    @Test
    void aPauseHoldsEveryAcquireUntilItEnds() {
        MutableClock clock = new MutableClock(START);
        RateLimiter limiter = new LocalRateLimiter(600, 1, clock, clock.sleeper());
        limiter.acquire(1);
        Instant until = START.plusMillis(2_000);
        limiter.pauseUntil(until);
        long granted = limiter.acquire(1);
        assertThat(clock.instant()).isAfterOrEqualTo(until);
        assertThat(granted).isGreaterThanOrEqualTo(new RateWindows(600, 1).startOf(new RateWindows(600, 1).windowOf(until.toEpochMilli())));
        assertThat(clock.slept()).as("waited out the pause, not much more").isBetween(Duration.ofMillis(2_000), Duration.ofMillis(2_020));
    }
}
