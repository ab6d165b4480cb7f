package com.synapbackfill.limit;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** {@link RateLimiter} for a single process (the CLI's baseline and tests); same windows as the fleet one. */
public final class LocalRateLimiter implements RateLimiter {
    private final RateWindows windows;
    private final Clock clock;
    private long window = Long.MIN_VALUE;
    private long granted;
    private volatile long pausedUntil;

    public LocalRateLimiter(int limitPerMinute, int maxPermitsPerAcquire, Clock clock) {
        this.windows = new RateWindows(limitPerMinute, maxPermitsPerAcquire);
        this.clock = clock;
    }

    @Override
    public long acquire(int permits) {
        while (true) {
            long now = clock.millis();
            long wait;
            synchronized (this) {
                if (now < pausedUntil) {
                    wait = pausedUntil - now;
                } else {
                    long w = windows.windowOf(now);
                    if (w != window) {
                        window = w;
                        granted = 0;
                    }
                    if (granted + permits <= windows.quota(w)) {
                        granted += permits;
                        return windows.startOf(w);
                    }
                    wait = windows.startOf(w + 1) - now;
                }
            }
            sleep(wait + ThreadLocalRandom.current().nextLong(5));
        }
    }

    @Override
    public void pauseUntil(Instant until) {
        synchronized (this) {
            pausedUntil = Math.max(pausedUntil, until.toEpochMilli());
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a rate-limit permit", e);
        }
    }
}
