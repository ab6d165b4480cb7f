package com.synapbackfill.planner;

import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The tune action: the workers the run needs at its measured p95 ({@link ConcurrencyTuner#recommend}), applied when asked. */
final class TuneAction {
    private static final Logger LOG = LoggerFactory.getLogger(TuneAction.class);

    private final Ledger ledger;
    private final ConcurrencyTuner tuner;
    private final double headroom;

    TuneAction(Ledger ledger, ConcurrencyTuner tuner, double headroom) {
        this.ledger = ledger;
        this.tuner = tuner;
        this.headroom = headroom;
    }

    PlannerResults.Tune tune(String runId, boolean apply) {
        RunState run = Runs.require(ledger, runId);
        RunConfig c = run.config();
        double rps = RunSizing.requestsPerSecond(c);
        long p95 = RunSizing.p95(ledger.latencyHistogram(runId));
        double latency = p95 > 0 ? p95 / 1000.0 : RunSizing.ASSUMED_LATENCY_SECONDS;
        int formula = ConcurrencyTuner.recommend(rps, latency, headroom);
        int concurrency = RunSizing.capped(formula, run.shardsTotal());
        // say why the answer is not the formula's: a shard is worked by one worker at a time; Lambda's floor is 2
        String cap = concurrency < formula ? "capped at the run's " + run.shardsTotal() + " shards (a shard is leased to one worker at a time)"
                : concurrency > formula ? "raised to 2, the event source mapping's minimum" : null;
        String mapping = apply ? tuner.apply(concurrency) : null;
        LOG.info("tune {}: {} req/s × p95 {} ms × {} → MaximumConcurrency {}{}", runId, rps, p95, headroom, concurrency,
                mapping == null ? " (not applied)" : " applied to " + mapping);
        return new PlannerResults.Tune(runId, concurrency, p95, rps, headroom, mapping != null, mapping, formula, cap);
    }
}
