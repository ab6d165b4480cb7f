package com.synapbackfill.planner;

import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.queue.ShardQueue;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The resume action: the run's unfinished shards enqueued again from their checkpoints. */
final class ResumeAction {
    private static final Logger LOG = LoggerFactory.getLogger(ResumeAction.class);
    private static final int PAGE = 500;

    private final Ledger ledger;
    private final ShardQueue queue;

    ResumeAction(Ledger ledger, ShardQueue queue) {
        this.ledger = ledger;
        this.queue = queue;
    }

    /**
     * Re-enqueues the unfinished shards; with {@code maxCredits} the run's cap is set first (a run BLOCKED at its cap continues
     * with a higher one). What the run spent so far stays counted.
     */
    PlannerResults.Resume resume(String runId, Long maxCredits) {
        RunState run = Runs.require(ledger, runId);
        if (maxCredits != null && !maxCredits.equals(run.config().maxCredits())) {
            ledger.updateConfig(runId, run.config().toBuilder().maxCredits(maxCredits).build());
            LOG.info("resume {}: credit cap {} → {}", runId, run.config().maxCredits(), maxCredits);
            run = Runs.require(ledger, runId);
        }
        if (run.status() == RunStatus.COMPLETED) return new PlannerResults.Resume(runId, run.status().name(), 0);
        if (run.status() == RunStatus.PLANNING)
            throw new IllegalStateException("run " + runId + " is still PLANNING: call start again with the same runId");
        ledger.transition(runId, EnumSet.of(RunStatus.BLOCKED, RunStatus.PAUSED, RunStatus.FAILED), RunStatus.RUNNING, null);
        int enqueued = 0;
        int after = -1;
        while (true) {
            List<ShardState> page = ledger.unfinishedShards(runId, after, PAGE);
            if (page.isEmpty()) break;
            List<ShardMessage> messages = new ArrayList<>(page.size());
            for (ShardState s : page) messages.add(ShardMessage.first(runId, s.shard().shardNo()));
            queue.send(messages);
            enqueued += messages.size();
            after = page.get(page.size() - 1).shard().shardNo();
        }
        RunState now = ledger.run(runId).orElseThrow();
        if (enqueued == 0 && now.status() == RunStatus.RUNNING)
            ledger.transition(runId, EnumSet.of(RunStatus.RUNNING), RunStatus.COMPLETED, null);
        LOG.info("resume {}: {} unfinished shards re-enqueued", runId, enqueued);
        return new PlannerResults.Resume(runId, ledger.run(runId).orElseThrow().status().name(), enqueued);
    }
}
