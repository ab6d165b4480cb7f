package com.synapbackfill.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import com.synapbackfill.retry.Sleeper;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand (lease expiry without sleeping), and a {@link #sleeper()} that moves it by the time
 * asked for instead of sleeping: code that waits on this clock runs in virtual time, deterministically and at once.
 * One thread at a time should sleep on it (two sleepers would each add their wait, overshooting each other's).
 */
public final class MutableClock extends Clock {
    private final AtomicLong millis;
    private final AtomicLong slept = new AtomicLong();

    public MutableClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    public void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    /** A sleeper that advances this clock by each wait (and counts it in {@link #slept()}) instead of sleeping. */
    public Sleeper sleeper() {
        return d -> {
            slept.addAndGet(Math.max(0, d.toMillis()));
            millis.addAndGet(Math.max(0, d.toMillis()));
        };
    }

    /** Total virtual time {@link #sleeper()} has waited. */
    public Duration slept() {
        return Duration.ofMillis(slept.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
        return millis.get();
    }
}
