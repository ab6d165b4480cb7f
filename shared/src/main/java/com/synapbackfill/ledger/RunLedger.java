package com.synapbackfill.ledger;

import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A run as the ledger keeps it: its state and config, its status moves, and the trouble a worker notes while retrying. A part of the {@link Ledger} port. */
public interface RunLedger {

    /** Writes the run unless one with its id exists; returns what is stored (idempotent start). */
    RunState createRun(RunState run);

    /** The run with its totals (the run item and every worker's counter item: one read per worker that took part). */
    Optional<RunState> run(String runId);

    /**
     * The run's own item alone: status and reason, config, trouble, shard total — what a worker checks before and between
     * batches, in one read whatever the fleet's size. Its counters and shards done leave out the workers' counter items:
     * {@link #run} sums those.
     */
    default Optional<RunState> runHead(String runId) {
        return run(runId);
    }

    /**
     * Replaces the run's config snapshot with one that differs only in settings that may change mid-run (the rate
     * limit); workers use it from their next shard message on.
     *
     * @throws IllegalArgumentException when there is no such run
     */
    void updateConfig(String runId, com.synapbackfill.model.RunConfig config);

    /** Ids of the runs this ledger holds, newest first (by creation time), at most {@code limit}. */
    List<String> runIds(int limit);

    /**
     * Moves the run to {@code to} if its status is one of {@code from}; returns whether it moved.
     * {@code reason} is kept for BLOCKED/FAILED (null clears it).
     */
    boolean transition(String runId, Set<RunStatus> from, RunStatus to, String reason);

    /**
     * A worker's Synap call failed and it is retrying (docs/design.md §7): sets the run's trouble (its start kept),
     * counts the call, keeps {@code what} as the last error.
     */
    void noteTrouble(String runId, String what, long atMillis);

    /** A Synap call succeeded again: the run has no trouble. A no-op when it had none. */
    void clearTrouble(String runId);
}
