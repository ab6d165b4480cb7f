package com.synapbackfill.limit;

import com.synapbackfill.model.RunConfig;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;

/** Puts every Synap HTTP attempt through the rate limiter, and turns a 429 into a fleet-wide pause. */
public final class LimiterGate implements SynapApi.CallGate {
    private final RateLimiter limiter;
    private final RunConfig.RateLimitUnit unit;
    private final Clock clock;

    public LimiterGate(RateLimiter limiter, RunConfig.RateLimitUnit unit, Clock clock) {
        this.limiter = limiter;
        this.unit = unit;
        this.clock = clock;
    }

    @Override
    public void beforeCall(int documents) {
        limiter.acquire(unit == RunConfig.RateLimitUnit.CALL ? 1 : documents);
    }

    @Override
    public void onThrottled(Duration retryAfter) {
        limiter.pauseUntil(clock.instant().plus(retryAfter));
    }
}
