package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a call meets before its body is looked at: an outage (503), exhausted credits (402) and the Instance's rate
 * limit (429 with Retry-After), one token bucket per Instance.
 */
final class CallGate {
    private final EmulatorStats stats;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private volatile boolean outage;
    private volatile boolean creditsExhausted;

    CallGate(EmulatorStats stats) {
        this.stats = stats;
    }

    void setOutage(boolean on) {
        outage = on;
    }

    void setCreditsExhausted(boolean on) {
        creditsExhausted = on;
    }

    /** Forgets the buckets (the settings changed). */
    void reset() {
        buckets.clear();
    }

    /** Lets the call through, or throws the 503, 402 or 429 it meets. */
    void pass(EmulatorSettings s, EmulatorSettings.Instance inst, int units) {
        if (outage) throw Reply.error(503, "Service temporarily unavailable (outage)").refusal();
        if (creditsExhausted) {
            ObjectNode detail = Reply.obj().put("error", "insufficient_credits").put("message", "Insufficient credits")
                    .put("balance_credits", 0).put("minimum_required_credits", 1)
                    .put("recovery_url", CreditWallet.BILLING_URL).put("redeem_url", CreditWallet.REDEEM_URL);
            throw Reply.json(402, Reply.obj().set("detail", detail)).refusal();
        }
        if (s.rateLimitPerMinute() > 0) take(s, inst, units);
    }

    /** Takes {@code units} from the Instance's bucket, or throws the 429 (reported as for {@code reported} units). */
    void take(EmulatorSettings s, EmulatorSettings.Instance inst, int units, int reported) {
        if (!buckets.computeIfAbsent(inst.instanceId(), id -> new TokenBucket(s.rateLimitPerMinute() / 60.0, s.burst()))
                .tryTake(units)) throw rateLimited(s, reported).refusal();
    }

    private void take(EmulatorSettings s, EmulatorSettings.Instance inst, int units) {
        take(s, inst, units, units);
    }

    /** The 429 for a call of {@code units}: Retry-After is how long the bucket takes to refill them. */
    Reply rateLimited(EmulatorSettings s, int units) {
        stats.rateLimited.increment();
        double perSecond = s.rateLimitPerMinute() > 0 ? s.rateLimitPerMinute() / 60.0 : 1.0;
        long retryAfter = Math.max(1, (long) Math.ceil(units / perSecond));
        return Reply.error(429, "Rate limit exceeded for this instance")
                .withHeader("Retry-After", Long.toString(retryAfter))
                .withHeader("X-RateLimit-Reset", Long.toString(Instant.now().getEpochSecond() + retryAfter));
    }
}
