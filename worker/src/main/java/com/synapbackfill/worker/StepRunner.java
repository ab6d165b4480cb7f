package com.synapbackfill.worker;

import com.synapbackfill.ledger.FailureLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.DocumentMapper.Mapped;
import java.time.Clock;

/** A step of a shard: from the documents a page made to the counters the checkpoint will carry. */
final class StepRunner {
    private final FailureLedger ledger;
    private final BatchSender sender;
    private final ShardWorker.CrashPoints crash;
    private final Clock clock;

    StepRunner(FailureLedger ledger, BatchSender sender, ShardWorker.CrashPoints crash, Clock clock) {
        this.ledger = ledger;
        this.sender = sender;
        this.crash = crash;
        this.clock = clock;
    }

    /** What a step did: its counters and its calls. */
    record Result(Counters delta, com.synapbackfill.ledger.CallStats calls) {
    }

    /**
     * One step: its bad rows as failure items, its documents sent, its receipts kept, then its failure items written —
     * all before the caller moves the checkpoint, so a crash between any two of them loses and doubles nothing.
     */
    Result run(RunState run, ShardState state, Batches.Step step, RunResources res, DocumentMapper mapper) {
        long now = clock.millis();
        int shardNo = state.shard().shardNo();
        BatchSender.Tally t = new BatchSender.Tally();
        for (Mapped bad : step.rejected()) {
            t.failures.add(FailureRecord.of(run.runId(), bad.documentId(), bad.turn().id(), shardNo,
                    bad.reason().errorClass(), 0, mapper.describe(bad), now));
        }
        if (!step.documents().isEmpty()) sender.send(run.runId(), shardNo, step.documents(), res.synap(), t);
        crash.afterBatchCall(run.runId(), shardNo);
        // receipts before the checkpoint: every document the ledger counts as accepted can be verified later
        res.receipts().record(run.runId(), shardNo, t.receipts);
        if (!t.failures.isEmpty()) ledger.recordFailures(t.failures);
        crash.afterFailureItems(run.runId(), shardNo);
        Counters delta = new Counters(step.rows(), t.accepted(), t.present(), t.failures.size(), step.skipped(), t.calls, t.throttled,
                step.messages());
        return new Result(delta, new com.synapbackfill.ledger.CallStats(t.latencies, t.retries, t.serverErrors));
    }
}
