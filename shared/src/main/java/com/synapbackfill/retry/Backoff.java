package com.synapbackfill.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The one exponential backoff of the project (Backfila's {@code Backoff} is the model): attempt n's ceiling is
 * {@code base · 2^(n-1)}, capped at {@code max}, and the delay is drawn from it by the jitter. Used by the Synap
 * client between attempts, the worker for a shard's delayed retry, the ledger's transaction retries and the
 * queue's send rounds; sleeping stays with each caller (and its test sleeper).
 *
 * @param base   ceiling of the first attempt's delay
 * @param max    largest ceiling
 * @param jitter how a delay is drawn from the ceiling
 */
public record Backoff(Duration base, Duration max, Jitter jitter) {
    public enum Jitter {
        /** uniform in [0, ceiling] ("full jitter": retries of many clients spread out) */
        FULL,
        /** ceiling × [0.8, 1.2): about the ceiling, never all at once */
        TWENTY_PERCENT
    }

    public Backoff {
        Objects.requireNonNull(jitter, "jitter");
        if (base.isNegative()) throw new IllegalArgumentException("backoff base must be >= 0, was " + base); // 0: retry at once (tests)
        if (max.compareTo(base) < 0) throw new IllegalArgumentException("backoff max must be >= base, was " + max + " < " + base);
    }

    /** The ceiling of attempt {@code attempt} (1-based; lower values count as 1). */
    public long ceilingMillis(int attempt) {
        int shift = Math.min(30, Math.max(0, attempt - 1));
        long c = base.toMillis() << shift;
        return c < 0 ? max.toMillis() : Math.min(max.toMillis(), c);
    }

    /** The delay before retry {@code attempt}, with {@code random} in [0, 1). */
    public Duration delay(int attempt, DoubleSupplier random) {
        long c = ceilingMillis(attempt);
        return Duration.ofMillis(switch (jitter) {
            case FULL -> Math.min(c, (long) (random.getAsDouble() * (c + 1)));
            case TWENTY_PERCENT -> (long) (c * (0.8 + 0.4 * random.getAsDouble()));
        });
    }

    public Duration delay(int attempt) {
        return delay(attempt, ThreadLocalRandom.current()::nextDouble);
    }
}
