package com.synapbackfill.model;

import java.util.Objects;

/**
 * A run as the ledger holds it: status, config snapshot, counters and shard counts, read in one item.
 *
 * @param runId          run
 * @param status         lifecycle
 * @param statusReason   why it is BLOCKED/FAILED, else null
 * @param config         config snapshot taken at start
 * @param idType         type of the source id column
 * @param estimatedRows  planner's row estimate
 * @param shardsTotal    shards planned
 * @param shardsDone     shards DONE
 * @param counters       summed over all shards
 * @param createdAtEpochMillis   when start wrote it
 * @param updatedAtEpochMillis   last change
 * @param completedAtEpochMillis when it became COMPLETED, else 0
 * @param trouble        Synap calls failing right now, or null
 * @param runningSinceEpochMillis when it last became RUNNING (a start or a resume), 0 = not recorded: a rate over
 *                       "the last minutes" starts there, not in the outage or pause before it
 */
public record RunState(String runId, RunStatus status, String statusReason, RunConfig config, IdType idType,
                       long estimatedRows, int shardsTotal, int shardsDone, Counters counters,
                       long createdAtEpochMillis, long updatedAtEpochMillis, long completedAtEpochMillis, Trouble trouble,
                       long runningSinceEpochMillis, String writtenBy) {
    /** As it was before the release that started the run was recorded: {@code writtenBy} unknown (null). */
    public RunState(String runId, RunStatus status, String statusReason, RunConfig config, IdType idType,
                    long estimatedRows, int shardsTotal, int shardsDone, Counters counters,
                    long createdAtEpochMillis, long updatedAtEpochMillis, long completedAtEpochMillis, Trouble trouble,
                    long runningSinceEpochMillis) {
        this(runId, status, statusReason, config, idType, estimatedRows, shardsTotal, shardsDone, counters, createdAtEpochMillis,
                updatedAtEpochMillis, completedAtEpochMillis, trouble, runningSinceEpochMillis, null);
    }

    public RunState(String runId, RunStatus status, String statusReason, RunConfig config, IdType idType,
                    long estimatedRows, int shardsTotal, int shardsDone, Counters counters,
                    long createdAtEpochMillis, long updatedAtEpochMillis, long completedAtEpochMillis, Trouble trouble) {
        this(runId, status, statusReason, config, idType, estimatedRows, shardsTotal, shardsDone, counters, createdAtEpochMillis,
                updatedAtEpochMillis, completedAtEpochMillis, trouble, 0);
    }

    public RunState(String runId, RunStatus status, String statusReason, RunConfig config, IdType idType,
                    long estimatedRows, int shardsTotal, int shardsDone, Counters counters,
                    long createdAtEpochMillis, long updatedAtEpochMillis, long completedAtEpochMillis) {
        this(runId, status, statusReason, config, idType, estimatedRows, shardsTotal, shardsDone, counters, createdAtEpochMillis,
                updatedAtEpochMillis, completedAtEpochMillis, null, 0);
    }

    public RunState withTrouble(Trouble t) {
        return new RunState(runId, status, statusReason, config, idType, estimatedRows, shardsTotal, shardsDone, counters,
                createdAtEpochMillis, updatedAtEpochMillis, completedAtEpochMillis, t, runningSinceEpochMillis, writtenBy);
    }

    public RunState withRunningSince(long epochMillis) {
        return new RunState(runId, status, statusReason, config, idType, estimatedRows, shardsTotal, shardsDone, counters,
                createdAtEpochMillis, updatedAtEpochMillis, completedAtEpochMillis, trouble, epochMillis, writtenBy);
    }

    /** The same run, started by {@code version} (the release whose planner created it). */
    public RunState withWrittenBy(String version) {
        return new RunState(runId, status, statusReason, config, idType, estimatedRows, shardsTotal, shardsDone, counters,
                createdAtEpochMillis, updatedAtEpochMillis, completedAtEpochMillis, trouble, runningSinceEpochMillis, version);
    }

    /**
     * The longest status reason kept: a reason travels in every status answer, in the state machine's state (256 KiB a
     * state) and in the run item (400 KB an item); a database error that echoes a long query is cut, its start kept.
     */
    public static final int REASON_MAX_CHARS = 2_000;

    /** {@code reason} as the ledger keeps it: at most {@link #REASON_MAX_CHARS}, cut with an ellipsis. */
    public static String keptReason(String reason) {
        return reason == null || reason.length() <= REASON_MAX_CHARS ? reason : reason.substring(0, REASON_MAX_CHARS - 1) + "…";
    }

    /** Where a rate over the recent minutes may start: the last (re)start to RUNNING, else the creation. */
    public long rateWindowFloor() {
        return Math.max(createdAtEpochMillis, runningSinceEpochMillis);
    }

    public RunState {
        RunIds.requireValid(runId);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(counters, "counters");
    }
}
