package com.synapbackfill.ledger;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The single truth of a run (docs/design.md §4): run, shards with leases and checkpoints, failures, throughput.
 * Every state change is conditional; a lost condition is a
 * {@link com.synapbackfill.error.LeaseConflictException}. Implementations: {@link DynamoDbLedger},
 * {@link InMemoryLedger}; both pass the same contract suite.
 */
public interface Ledger {

    /** Writes the run unless one with its id exists; returns what is stored (idempotent start). */
    RunState createRun(RunState run);

    Optional<RunState> run(String runId);

    /**
     * Replaces the run's config snapshot with one that differs only in settings that may change mid-run (the rate
     * limit); workers use it from their next shard message on.
     *
     * @throws IllegalArgumentException when there is no such run
     */
    void updateConfig(String runId, com.synapbackfill.model.RunConfig config);

    /** Ids of the runs this ledger holds, newest first (by creation time), at most {@code limit}. */
    List<String> runIds(int limit);

    /** Writes shard items (all of them, retrying unprocessed ones) and sets the run's shard total. */
    void putShards(String runId, List<ShardState> shards, long estimatedRows);

    /**
     * Moves the run to {@code to} if its status is one of {@code from}; returns whether it moved.
     * {@code reason} is kept for BLOCKED/FAILED (null clears it).
     */
    boolean transition(String runId, Set<RunStatus> from, RunStatus to, String reason);

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

    /** One item per key; a repeat raises its attempts and last-seen time and clears {@code resolved}. */
    void recordFailures(List<FailureRecord> failures);

    /**
     * Marks one failure resolved (a later retry reached Synap) and, in the same atomic write, moves the run's
     * counters by {@code delta} (typically failed −1, accepted or alreadyPresent +1, plus the retry's calls).
     * Returns false, changing nothing, when the failure is absent or already resolved, so a repeated retry
     * never counts a row twice.
     */
    boolean resolveFailure(String runId, String key, Counters delta);

    /** Shards not DONE, in shard order, a page at a time; {@code after} is the last shard number seen or -1. */
    List<ShardState> unfinishedShards(String runId, int after, int limit);

    /** All shards, a page at a time; {@code after} is the last shard number seen or -1. */
    List<ShardState> shards(String runId, int after, int limit);

    /** Failures, a page at a time in key order; {@code afterKey} is the last key seen or null. */
    List<FailureRecord> failures(String runId, String afterKey, int limit);

    /** Documents handled per minute for the last {@code minutes} minutes (oldest first), for throughput. */
    List<Long> handledPerMinute(String runId, long nowMillis, int minutes);

    /**
     * The run's minutes from {@code fromMinute} to {@code toMinute} (epoch minutes, both included), oldest first; minutes
     * in which nothing happened are absent. Kept {@link LedgerTable#MINUTE_TTL_DAYS} days after their last write.
     */
    List<MinuteStats> minutes(String runId, long fromMinute, long toMinute);

    /** Latency histogram: bucket upper bound in ms (Long.MAX_VALUE for the last) → calls. */
    java.util.SortedMap<Long, Long> latencyHistogram(String runId);

    /** Histogram bucket upper bounds in milliseconds. */
    long[] LATENCY_BUCKETS_MS = {50, 100, 200, 300, 400, 600, 800, 1000, 1500, 2000, 3000, 5000, 10000, 30000, Long.MAX_VALUE};

    static int bucketOf(long millis) {
        for (int i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (millis <= LATENCY_BUCKETS_MS[i]) return i;
        return LATENCY_BUCKETS_MS.length - 1;
    }

    /**
     * A worker's Synap call failed and it is retrying (docs/design.md §7): sets the run's trouble (its start kept),
     * counts the call, keeps {@code what} as the last error.
     */
    void noteTrouble(String runId, String what, long atMillis);

    /** A Synap call succeeded again: the run has no trouble. A no-op when it had none. */
    void clearTrouble(String runId);

    /**
     * A run's credit cap (docs/design.md §4): reserves {@code milli} thousandths of a credit for a call about to be made,
     * unless the run's reserved total would then pass {@code capMilli}; false then, and nothing is reserved. Kept on an item
     * of its own, written only by runs that have a cap.
     */
    boolean reserveCredits(String runId, long milli, long capMilli);

    /** Gives back a reservation's part that was not spent (documents Synap did not accept, or a call that failed). */
    void releaseCredits(String runId, long milli);

    /** Sets the reserved total (a resume: what the accepted documents spent; reservations of calls that died are void). */
    void setCreditsReserved(String runId, long milli);

    /** The reserved total in thousandths of a credit (0 when none was reserved). */
    long creditsReserved(String runId);

}
