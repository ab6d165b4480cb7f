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
 */
public record WorkerOptions(String owner, Duration lease, Duration reserve, Duration runStatusCache) {
    public WorkerOptions {
        Objects.requireNonNull(owner, "owner");
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("lease must be >= 1 s");
        Objects.requireNonNull(reserve, "reserve");
        Objects.requireNonNull(runStatusCache, "runStatusCache");
    }
}
