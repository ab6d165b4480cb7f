package com.synapbackfill.model;

import java.util.Objects;

/**
 * A shard as the ledger holds it.
 *
 * @param shard                    the immutable bounds
 * @param status                   PENDING, IN_PROGRESS or DONE
 * @param checkpoint               last id fully handled, or null when nothing was
 * @param leaseOwner               worker holding the lease, or null
 * @param leaseExpiresAtEpochMillis when the lease lapses (0 when none)
 * @param attempts                 leases taken so far
 * @param counters                 what happened to this shard's rows
 */
public record ShardState(Shard shard, ShardStatus status, String checkpoint, String leaseOwner,
                         long leaseExpiresAtEpochMillis, int attempts, Counters counters) {
    public ShardState {
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(counters, "counters");
    }

    public static ShardState pending(Shard shard) {
        return new ShardState(shard, ShardStatus.PENDING, null, null, 0, 0, Counters.ZERO);
    }

    public boolean leaseFreeAt(long nowMillis) {
        return leaseOwner == null || leaseExpiresAtEpochMillis < nowMillis;
    }
}
