package com.synapbackfill.retry;

import java.time.Duration;

/**
 * How a caller waits: between Synap attempts, for a rate-limit window, between verify passes. Production passes
 * {@link #REAL}; tests pass one that records the delay or advances a test clock by it, so waiting costs no real time.
 */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(Math.max(0, d.toMillis()));
}
