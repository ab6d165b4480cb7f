package com.synapbackfill.ledger;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.ShardState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A run's shards: their leases and checkpoints. Every change is conditional on the lease and the checkpoint read. A part of the {@link Ledger} port. */
public interface ShardLedger {

    /** Writes shard items (all of them, retrying unprocessed ones) and sets the run's shard total. */
    void putShards(String runId, List<ShardState> shards, long estimatedRows);

    Optional<ShardState> shard(String runId, int shardNo);

    /**
     * Takes the shard's lease for {@code owner} if the shard is not DONE and the lease is free, expired, or
     * already {@code owner}'s; attempts +1. A DONE shard is returned as it is (nothing to do).
     *
     * @throws com.synapbackfill.error.LeaseConflictException when another owner holds a live lease
     */
    ShardState claim(String runId, int shardNo, String owner, Duration lease);

    /**
     * Moves the checkpoint from {@code current.checkpoint()} to {@code checkpoint}, adds {@code delta} to the
     * shard's and the run's counters, renews the lease, and marks the shard DONE when {@code done}; only by
     * the lease owner and only from the checkpoint it read. Returns the new state.
     *
     * @param calls what the step's calls measured, for the run's latency histogram and its minute (the report page)
     * @throws com.synapbackfill.error.LeaseConflictException when the lease or checkpoint changed meanwhile
     */
    ShardState advance(ShardState current, String checkpoint, Counters delta, CallStats calls, boolean done, Duration lease);

    /** {@link #advance(ShardState, String, Counters, CallStats, boolean, Duration)} with latencies alone. */
    default ShardState advance(ShardState current, String checkpoint, Counters delta, List<Long> latenciesMillis,
                               boolean done, Duration lease) {
        return advance(current, checkpoint, delta, CallStats.of(latenciesMillis), done, lease);
    }

    /** Gives the lease up (shard back to PENDING) if {@code owner} holds it; false when it did not. */
    boolean release(String runId, int shardNo, String owner);

    /** Shards not DONE, in shard order, a page at a time; {@code after} is the last shard number seen or -1. */
    List<ShardState> unfinishedShards(String runId, int after, int limit);

    /** All shards, a page at a time; {@code after} is the last shard number seen or -1. */
    List<ShardState> shards(String runId, int after, int limit);
}
