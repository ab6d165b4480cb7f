package com.synapbackfill.planner;

import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;

/**
 * The status action: where the run stands (a RUNNING run whose shards are all done is COMPLETED now), its rate over the last
 * two minutes since it last became RUNNING, the ETA, p95 and the trouble a worker noted in the last two minutes.
 */
final class StatusAction {
    private final Ledger ledger;
    private final Clock clock;

    StatusAction(Ledger ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    PlannerResults.Status status(String runId) {
        RunState run = Runs.require(ledger, runId);
        if (run.status() == RunStatus.RUNNING && run.shardsTotal() > 0 && run.shardsDone() >= run.shardsTotal()) {
            ledger.transition(runId, EnumSet.of(RunStatus.RUNNING), RunStatus.COMPLETED, null);
            run = Runs.require(ledger, runId);
        }
        long now = clock.millis();
        int minutes = 2; // the current minute and the one before: the rate falls to 0 soon after nothing is sent
        List<Long> perMinute = ledger.handledPerMinute(runId, now, minutes);
        // not before the run last became RUNNING: a resumed run's rate is its own, not averaged with the pause or outage
        long windowStart = Math.max(run.rateWindowFloor(), (now / 60_000 - minutes + 1) * 60_000);
        double seconds = Math.max(1, (now - windowStart) / 1000.0);
        long firstMinute = windowStart / 60_000;
        long handled = 0;
        for (int i = 0; i < perMinute.size(); i++) if (now / 60_000 - minutes + 1 + i >= firstMinute) handled += perMinute.get(i);
        double rate = handled / seconds;
        Counters c = run.counters();
        // the message shape estimates messages but counts items (turns and skipped or bad messages) per minute: the
        // messages left are turned into items at the ratio seen so far
        long remaining = c.messages() > 0
                ? (long) Math.ceil(Math.max(0, run.estimatedRows() - c.messages()) * (c.handled() / (double) c.messages()))
                : Math.max(0, run.estimatedRows() - c.handled());
        long eta = run.status().terminal() ? 0 : rate > 0 ? (long) Math.ceil(remaining / rate) : -1;
        long end = run.completedAtEpochMillis() > 0 ? run.completedAtEpochMillis() : now;
        return new PlannerResults.Status(runId, run.status().name(), run.statusReason(), run.status().terminal(),
                run.status() == RunStatus.BLOCKED, run.estimatedRows(), run.shardsTotal(), run.shardsDone(), c,
                Math.round(rate * 10) / 10.0, eta, RunSizing.p95Estimate(ledger.latencyHistogram(runId)),
                (end - run.createdAtEpochMillis()) / 1000,
                // a note older than two minutes is from workers that stopped since (paused, crashed): not news
                run.trouble() != null && !run.status().terminal() && now - run.trouble().lastAtEpochMillis() < 120_000 ? run.trouble().describe() : null,
                run.config().maxCredits() == null ? null : run.config().creditPrice().describeCap(run.config().maxCredits()));
    }
}
