package com.synapbackfill.limit;

import java.time.Instant;

/**
 * Port: the per-Instance rate limit, shared by every worker of the fleet. Implementations grant at most
 * {@code limitPerMinute} permits a minute and make every caller honour a
 * shared pause after a 429.
 */
public interface RateLimiter {
    /**
     * Blocks until {@code permits} may be used (1 per call, or one per document).
     *
     * @return the time (epoch millis) the permits count at: the start of their window, or their slot
     */
    long acquire(int permits);

    /** Every caller waits until {@code until} before its next permit (a 429's Retry-After). */
    void pauseUntil(Instant until);
}
