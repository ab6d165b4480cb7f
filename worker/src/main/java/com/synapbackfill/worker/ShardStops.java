package com.synapbackfill.worker;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.Trouble;
import com.synapbackfill.queue.ShardQueue;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ways a shard stops short of done, each with its one job: the run BLOCKED (Synap refused the key or the
 * credits), a delayed retry (Synap or the source in trouble), the run FAILED (retrying cannot help). Each gives the
 * lease back; the checkpoint stays, so a resume continues where it stopped. (Logged as the worker's.)
 */
final class ShardStops {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);

    private final Ledger ledger;
    private final ShardQueue queue;
    private final WorkerOptions options;
    private final Clock clock;

    ShardStops(Ledger ledger, ShardQueue queue, WorkerOptions options, Clock clock) {
        this.ledger = ledger;
        this.queue = queue;
        this.options = options;
        this.clock = clock;
    }

    /** Synap refused the key or the credits: the whole run stops (BLOCKED) until someone fixes it and resumes. */
    ShardWorker.Outcome blocked(RunState run, ShardState state, BlockedException e) {
        boolean moved = ledger.transition(run.runId(), EnumSet.of(RunStatus.RUNNING), RunStatus.BLOCKED,
                e.errorClass() + ": " + e.getMessage());
        ledger.release(run.runId(), state.shard().shardNo(), options.owner());
        if (e.reason() == BlockedException.Reason.CREDIT_CAP)
            LOG.warn("run reached its credit cap ({}), status {} → BLOCKED{}", e.getMessage(), run.status(), moved ? "" : " (already moved)");
        else
            LOG.error("run blocked by Synap ({}: {}), status {} → BLOCKED{}; resume after fixing it", e.httpStatus(), e.getMessage(),
                    run.status(), moved ? "" : " (already moved)");
        return ShardWorker.Outcome.BLOCKED;
    }

    /**
     * Transient trouble: a delayed retry message rather than returning this one — an outage of Synap (or the
     * source) must not burn the message's receive count and send healthy shards to the DLQ. The checkpoint makes
     * it resume where it stopped; the DLQ stays for messages that cannot be read at all.
     */
    ShardWorker.Outcome retryLater(RunState run, ShardState state, ShardMessage message, RetryableException e) {
        boolean source = e.errorClass().startsWith("source_");
        if (source && message.retries() >= ShardWorker.SOURCE_MAX_RETRIES) {
            // a database that has not answered for an hour and more: say so and stop, rather than retry for ever unseen
            return failRun(run, state, new PermanentException(PermanentException.Kind.CONFIGURATION, "the source database has not answered "
                    + "in " + message.retries() + " retries of shard " + state.shard().shardNo() + " over more than an hour (last: "
                    + e.getMessage() + "); resume the run when it answers", 0, null, e));
        }
        if (source) {
            try {
                ledger.noteTrouble(run.runId(), Trouble.SOURCE + e.errorClass() + ": " + e.getMessage(), clock.millis());
            } catch (RuntimeException ledgerDown) {
                // the retry below still happens
            }
        }
        ledger.release(run.runId(), state.shard().shardNo(), options.owner());
        try {
            ShardMessage retry = message.retry();
            java.time.Duration delay = options.retryDelay(retry.retries());
            queue.send(List.of(retry), delay);
            LOG.warn("shard interrupted by {} ({}: {}); retry {} scheduled in {} s", e.errorClass(), e.httpStatus(), e.getMessage(),
                    retry.retries(), delay.toSeconds());
            return ShardWorker.Outcome.RETRY_SCHEDULED;
        } catch (RuntimeException queueDown) {
            LOG.warn("shard interrupted by {} ({}: {}) and no retry could be scheduled ({}); message goes back to the queue",
                    e.errorClass(), e.httpStatus(), e.getMessage(), queueDown.getMessage(), queueDown);
            return ShardWorker.Outcome.RETRY_LATER;
        }
    }

    /**
     * Retrying cannot help (the source refused the query, a setting is wrong): end the run with the reason instead
     * of letting the message come back for hours. The checkpoint stays; resume after the fix.
     */
    ShardWorker.Outcome failRun(RunState run, ShardState state, PermanentException e) {
        boolean moved = ledger.transition(run.runId(), EnumSet.of(RunStatus.RUNNING), RunStatus.FAILED,
                e.errorClass() + ": " + e.getMessage());
        ledger.release(run.runId(), state.shard().shardNo(), options.owner());
        LOG.error("run failed: {} ({}); status {} → FAILED{}; fix it, then resume", e.getMessage(), e.errorClass(),
                run.status(), moved ? "" : " (already moved)", e);
        return ShardWorker.Outcome.RUN_FAILED;
    }
}
