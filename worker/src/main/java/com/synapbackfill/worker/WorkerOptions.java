package com.synapbackfill.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * How a worker behaves around time and leases.
 *
 * @param owner            lease owner id of this worker instance (unique per container/thread)
 * @param lease            lease duration, renewed at every checkpoint
 * @param reserve          stop at a batch boundary when less than this remains (one slow call + ledger writes)
 * @param runStatusCache   how long a read of the run's status is trusted between batches
 * @param retryDelayBase   first delay of a shard's retry after transient trouble (doubles per retry)
 * @param retryDelayMax    longest such delay (SQS allows 15 minutes)
 */
public record WorkerOptions(String owner, Duration lease, Duration reserve, Duration runStatusCache, Duration retryDelayBase,
                            Duration retryDelayMax) {
    /** Defaults for the retry delays: 5 s doubling up to 15 minutes. */
    public WorkerOptions(String owner, Duration lease, Duration reserve, Duration runStatusCache) {
        this(owner, lease, reserve, runStatusCache, Duration.ofSeconds(5), Duration.ofMinutes(15));
    }

    public WorkerOptions {
        Objects.requireNonNull(owner, "owner");
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("lease must be >= 1 s");
        Objects.requireNonNull(reserve, "reserve");
        Objects.requireNonNull(runStatusCache, "runStatusCache");
        if (retryDelayMax.compareTo(Duration.ofMinutes(15)) > 0) throw new IllegalArgumentException("retryDelayMax must be <= 15 min (SQS DelaySeconds)");
    }

    /** Delay of retry number {@code retries} (1-based): base·2^(n-1), capped, with ±20% jitter. */
    public Duration retryDelay(int retries) {
        return new com.synapbackfill.retry.Backoff(retryDelayBase, retryDelayMax, com.synapbackfill.retry.Backoff.Jitter.TWENTY_PERCENT)
                .delay(retries);
    }
}
