package com.synapbackfill.emulator;

/** A token bucket per Instance: {@code ratePerSecond} refill, {@code capacity} burst. */
final class TokenBucket {
    private final double ratePerSecond;
    private final double capacity;
    private double tokens;
    private long lastNanos;

    TokenBucket(double ratePerSecond, double capacity) {
        this.ratePerSecond = ratePerSecond;
        this.capacity = capacity;
        this.tokens = capacity;
        this.lastNanos = System.nanoTime();
    }

    synchronized boolean tryTake(int n) {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - lastNanos) / 1e9 * ratePerSecond);
        lastNanos = now;
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }
}
