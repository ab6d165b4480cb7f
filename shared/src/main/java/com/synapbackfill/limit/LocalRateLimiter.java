package com.synapbackfill.limit;

import com.synapbackfill.retry.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** {@link RateLimiter} for a single process (the CLI's baseline and tests); same windows as the fleet one. */
public final class LocalRateLimiter implements RateLimiter {
    private final RateWindows windows;
    private final Clock clock;
    private final Sleeper sleeper;
    private long window = Long.MIN_VALUE;
    private long granted;
    private volatile long pausedUntil;

    public LocalRateLimiter(int limitPerMinute, int maxPermitsPerAcquire, Clock clock) {
        this(limitPerMinute, maxPermitsPerAcquire, clock, Sleeper.REAL);
    }

    /** @param sleeper how {@link #acquire} waits for the next window (tests advance their clock instead) */
    public LocalRateLimiter(int limitPerMinute, int maxPermitsPerAcquire, Clock clock, Sleeper sleeper) {
        this.windows = new RateWindows(limitPerMinute, maxPermitsPerAcquire);
        this.clock = clock;
        this.sleeper = sleeper;
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
            sleep(sleeper, wait + ThreadLocalRandom.current().nextLong(5));
        }
    }

    @Override
    public void pauseUntil(Instant until) {
        synchronized (this) {
            pausedUntil = Math.max(pausedUntil, until.toEpochMilli());
        }
    }

    static void sleep(Sleeper sleeper, long ms) {
        try {
            sleeper.sleep(Duration.ofMillis(Math.max(1, ms)));
        } catch (InterruptedException e) {
            // the run is stopping (Ctrl-C): the step ends as transient trouble, its shard released at its checkpoint
            throw new com.synapbackfill.error.RetryableException("interrupted", "stopped while waiting for a rate-limit permit", 0, null, e);
        }
    }
}
