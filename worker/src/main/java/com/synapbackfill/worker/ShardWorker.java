package com.synapbackfill.worker;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import com.synapbackfill.queue.ShardQueue;
import com.synapbackfill.source.DocumentMapper;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Works one shard message (docs/design.md §6): lease → the {@link StepReader}'s steps from the checkpoint (pages →
 * documents → batches) → batch_create → classify → failure items → checkpoint and counters, until the shard is
 * done, the time budget runs short (continuation), the run stops, or Synap blocks it.
 *
 * <p>Order of writes per step is what makes crashes safe: ingestion receipts and failure items first, then the
 * checkpoint with the counters in one transaction. A crash before the checkpoint only makes the step run again; stable
 * document ids turn the resend into "already present", and failure items are keyed so a repeat only raises
 * its attempt count.
 */
public final class ShardWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);

    /** What became of a message; the handler acknowledges all but {@link #RETRY_LATER} and {@link #INVALID}. */
    public enum Outcome {
        /** shard finished */
        DONE,
        /** time budget reached: a continuation message was sent */
        CONTINUED,
        /** run not RUNNING: dropped, {@code resume} re-enqueues */
        RUN_NOT_RUNNING,
        /** another worker holds the lease: a re-check after the lease period was scheduled */
        LEASE_HELD_ELSEWHERE,
        /** Synap refused the key or credits: run BLOCKED */
        BLOCKED,
        /** transient trouble after retries: a delayed retry message was scheduled */
        RETRY_SCHEDULED,
        /** transient trouble and the retry could not be scheduled: let the queue deliver this message again */
        RETRY_LATER,
        /** the message points at nothing we know */
        INVALID,
        /** a permanent error no retry can fix (a dropped column, a revoked grant): run FAILED with the reason, resumable after the fix */
        RUN_FAILED
    }

    /** Points where a test can simulate a crash (the process dying there). */
    public interface CrashPoints {
        /** The lease was taken for this message (continuation > 0: a continuation is being worked). */
        default void afterClaim(ShardMessage message) {
        }

        default void afterBatchCall(String runId, int shardNo) {
        }

        default void afterFailureItems(String runId, int shardNo) {
        }

        default void betweenPages(String runId, int shardNo) {
        }

        CrashPoints NONE = new CrashPoints() {
        };
    }

    private final Ledger ledger;
    private final ShardQueue queue;
    private final RunResources.Factory resourcesFactory;
    private final WorkerOptions options;
    private final Clock clock;
    private final CrashPoints crash;
    private final WorkerMetrics metrics;
    private final CreditCap creditCap;
    private final StepRunner steps;
    private final ShardStops stops;

    private String cachedRunId;
    private com.synapbackfill.model.RunConfig cachedConfig;
    private RunResources resources;
    private RunState cachedRun;
    private long cachedRunAt;

    public ShardWorker(Ledger ledger, ShardQueue queue, RunResources.Factory resourcesFactory, WorkerOptions options,
                       Clock clock, CrashPoints crash, WorkerMetrics metrics) {
        this.ledger = ledger;
        this.queue = queue;
        this.resourcesFactory = resourcesFactory;
        this.options = options;
        this.clock = clock;
        this.crash = crash;
        this.metrics = metrics;
        this.creditCap = CreditCap.forRuns(ledger);
        this.steps = new StepRunner(ledger, new BatchSender(clock), crash, clock);
        this.stops = new ShardStops(ledger, queue, options, clock);
    }

    public Outcome process(ShardMessage message, LongSupplier remainingMillis) {
        MDC.put("runId", message.runId());
        MDC.put("shardNo", Integer.toString(message.shardNo()));
        try {
            return doProcess(message, remainingMillis);
        } finally {
            MDC.remove("runId");
            MDC.remove("shardNo");
        }
    }

    /**
     * An invocation that starts with less time than {@code WORKER_RESERVE_MS} can never send a batch: every
     * message would only enqueue its continuation, forever. The caller (the Lambda handler, which knows the
     * invocation's budget at its start) hands such messages here: the run ends FAILED naming the settings,
     * instead of looping silently.
     */
    public Outcome refuseTooShortInvocation(ShardMessage message, long budgetMillis) {
        MDC.put("runId", message.runId());
        try {
            String reason = "configuration: the worker invocation had " + budgetMillis + " ms but WORKER_RESERVE_MS is "
                    + options.reserve().toMillis() + " ms (default SYNAP_CALL_TIMEOUT_MS + 5 s), so no batch can ever run: "
                    + "raise the worker function's Timeout above the reserve, or lower WORKER_RESERVE_MS / SYNAP_CALL_TIMEOUT_MS; then resume";
            boolean moved = ledger.transition(message.runId(), EnumSet.of(RunStatus.RUNNING), RunStatus.FAILED, reason);
            LOG.error("run failed: {}{}", reason, moved ? "" : " (the run was not RUNNING)");
            return Outcome.RUN_FAILED;
        } finally {
            MDC.remove("runId");
        }
    }

    /** The time an invocation keeps back for finishing a batch ({@code WORKER_RESERVE_MS}). */
    public long reserveMillis() {
        return options.reserve().toMillis();
    }

    private Outcome doProcess(ShardMessage message, LongSupplier remainingMillis) {
        long started = clock.millis();
        RunState run = ledger.runHead(message.runId()).orElse(null); // status and config: the run item alone
        if (run == null) {
            LOG.error("shard message for unknown run {}", message.runId());
            return Outcome.INVALID;
        }
        remember(run);
        if (run.status() != RunStatus.RUNNING) {
            LOG.info("run is {}, dropping shard message (resume re-enqueues)", run.status());
            return Outcome.RUN_NOT_RUNNING;
        }
        ShardState claimed = claim(message);
        if (claimed == null) return Outcome.LEASE_HELD_ELSEWHERE;
        if (claimed.status() == ShardStatus.DONE) return Outcome.DONE;
        crash.afterClaim(message);
        LOG.info("shard start: continuation {}, attempt {}, checkpoint {}", message.continuation(), claimed.attempts(),
                claimed.checkpoint() == null ? "none" : "set");

        RunResources res = resources(run);
        DocumentMapper mapper = new DocumentMapper(run.config(), run.runId());
        Progress progress = new Progress(claimed);
        try {
            Outcome stop = work(run, message, res, mapper, progress, remainingMillis);
            if (stop != null) return stopEarly(stop, progress.state, message, progress.total, started);
        } catch (BlockedException e) {
            return stops.blocked(run, progress.state, e);
        } catch (RetryableException e) {
            return stops.retryLater(run, progress.state, message, e);
        } catch (LeaseConflictException e) {
            LOG.warn("lost the lease while working, stopping: {}", e.getMessage());
            return Outcome.LEASE_HELD_ELSEWHERE;
        } catch (PermanentException e) {
            return stops.failRun(run, progress.state, e);
        }
        Counters total = progress.total;
        LOG.info("shard end: rows {}, accepted {}, already present {}, failed {}, calls {}, elapsed ms {}",
                total.rowsRead(), total.accepted(), total.alreadyPresent(), total.failed(), total.calls(),
                clock.millis() - started);
        completeRunIfLast(run.runId());
        return Outcome.DONE;
    }

    /** Where a shard's work stands: its ledger state after the last step, and what the steps counted so far. */
    private static final class Progress {
        ShardState state;
        Counters total = Counters.ZERO;

        Progress(ShardState state) {
            this.state = state;
        }
    }

    /**
     * Claims the shard's lease; null when a live worker holds it (usually a duplicate delivery; a re-check is
     * scheduled for when that lease could have lapsed).
     */
    private ShardState claim(ShardMessage message) {
        try {
            return ledger.claim(message.runId(), message.shardNo(), options.owner(), options.lease());
        } catch (LeaseConflictException e) {
            // The holder may have died: look again once its lease could have lapsed, so a shard never waits for a
            // manual resume. If the holder is alive then, the check repeats (one small message per lease period);
            // if the shard is done, it ends.
            try {
                queue.send(List.of(message), options.lease().plusSeconds(1));
            } catch (RuntimeException queueDown) {
                LOG.warn("could not schedule a lease re-check: {}", queueDown.getMessage());
            }
            LOG.info("lease held elsewhere, re-checking in {} s: {}", options.lease().plusSeconds(1).toSeconds(), e.getMessage());
            return null;
        }
    }

    /**
     * The loop: the reader yields steps from the checkpoint on; each is sent, recorded and checkpointed before the
     * next. Returns null when the shard is done, or why it stopped early (budget, run no longer running).
     */
    private Outcome work(RunState run, ShardMessage message, RunResources res, DocumentMapper mapper, Progress progress,
                         LongSupplier remainingMillis) {
        ShardState start = progress.state;
        StepReader reader = new StepReader(res.source(), start.shard(), start.checkpoint(), mapper, run.config().pageSize(),
                run.config().batchSize(), run.config().maxBatchBytes(), run.config().maxDocumentBytes(),
                () -> crash.betweenPages(run.runId(), message.shardNo()));
        while (true) {
            StepReader.Next next = reader.next();
            if (next.step() == null) {
                progress.state = ledger.advance(progress.state, progress.state.checkpoint(), Counters.ZERO, List.of(), true, options.lease());
                return null;
            }
            Outcome stop = checkBetweenBatches(run.runId(), remainingMillis);
            if (stop != null) return stop;
            CreditCap.Held reserved = creditCap.reserve(run, next.step().documents().size());
            StepRunner.Result so;
            try {
                so = steps.run(run, progress.state, next.step(), res, mapper);
            } catch (RuntimeException e) {
                creditCap.release(run, reserved);
                throw e;
            }
            progress.state = ledger.advance(progress.state, next.step().lastId(), so.delta(), so.calls(), next.last(), options.lease());
            creditCap.giveBackUnspent(run, reserved, so.delta().accepted());
            progress.total = progress.total.plus(so.delta());
            metrics.step(so.delta(), so.calls());
            if (so.delta().calls() > 0 && cachedRun.trouble() != null) {
                // Synap answers again: the run's "unreachable since" note is over
                ledger.clearTrouble(run.runId());
                cachedRun = cachedRun.withTrouble(null);
            }
            if (next.last()) return null;
        }
    }

    /**
     * How many delayed retries a shard gets when the source database does not answer (5 s doubling to 15 minutes: about
     * an hour and a half) before the run is FAILED with the reason.
     */
    static final int SOURCE_MAX_RETRIES = 12;

    private Outcome checkBetweenBatches(String runId, LongSupplier remainingMillis) {
        if (remainingMillis.getAsLong() < options.reserve().toMillis()) return Outcome.CONTINUED;
        if (clock.millis() - cachedRunAt > options.runStatusCache().toMillis()) {
            RunState r = ledger.runHead(runId).orElse(null);
            if (r != null) remember(r);
        }
        return cachedRun.status() == RunStatus.RUNNING ? null : Outcome.RUN_NOT_RUNNING;
    }

    private Outcome stopEarly(Outcome why, ShardState state, ShardMessage message, Counters total, long started) {
        ledger.release(message.runId(), message.shardNo(), options.owner());
        if (why == Outcome.CONTINUED) {
            queue.send(List.of(message.next()));
            LOG.info("shard paused for time budget: rows {} this invocation, continuation {} enqueued, elapsed ms {}",
                    total.rowsRead(), message.continuation() + 1, clock.millis() - started);
        } else {
            LOG.info("run is {}, shard stopped at a batch boundary", cachedRun.status());
        }
        return why;
    }

    private void completeRunIfLast(String runId) {
        RunState r = ledger.run(runId).orElse(null);
        if (r != null && r.shardsDone() >= r.shardsTotal() && r.status() == RunStatus.RUNNING) {
            if (ledger.transition(runId, EnumSet.of(RunStatus.RUNNING), RunStatus.COMPLETED, null))
                LOG.info("run completed: all {} shards done", r.shardsTotal());
        }
    }

    private void remember(RunState run) {
        cachedRun = run;
        cachedRunAt = clock.millis();
    }

    private RunResources resources(RunState run) {
        // a new run, or the run's settings changed (a rate limit raised mid-run): a limiter with the new values
        if (!run.runId().equals(cachedRunId) || !run.config().equals(cachedConfig)) {
            if (resources != null) resources.close();
            resources = resourcesFactory.open(run);
            cachedRunId = run.runId();
            cachedConfig = run.config();
        }
        return resources;
    }

    /** Releases per-run resources (source connection). */
    public void close() {
        if (resources != null) resources.close();
        resources = null;
        cachedRunId = null;
        cachedConfig = null;
    }


}
