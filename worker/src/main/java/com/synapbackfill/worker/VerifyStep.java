package com.synapbackfill.worker;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.synapbackfill.ledger.RunLedger;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.model.RunState;
import com.synapbackfill.report.ReportStore;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * One pass of the state machine's optional verify step (template parameter {@code VerifySample}): the run's
 * sample (a seed fixed per run, so every pass looks at the same documents) asked once, continuing from the
 * previous pass's verify.json; {@code done} when every sampled document is terminal or the passes are used up.
 */
public final class VerifyStep {
    private final RunLedger ledger;
    private final ReportStore store;
    private final Function<RunState, SynapApi> synap;
    private final Clock clock;

    public VerifyStep(RunLedger ledger, ReportStore store, Function<RunState, SynapApi> synap, Clock clock) {
        this.ledger = ledger;
        this.store = store;
        this.synap = synap;
        this.clock = clock;
    }

    /** What the state machine passes: the run, the sample size, how many passes it allows and has made. */
    public record Input(@JsonProperty("runId") String runId, @JsonProperty("sample") int sample,
                        @JsonProperty("maxPasses") int maxPasses, @JsonProperty("passes") int passes) {
    }

    /**
     * What it gets back (the execution's output carries it as {@code verify}).
     *
     * @param outcome completed (every sampled document), failed (some failed, partly failed or unknown), pending
     */
    public record Output(@JsonProperty("runId") String runId, @JsonProperty("sample") int sample,
                         @JsonProperty("maxPasses") int maxPasses, @JsonProperty("passes") int passes,
                         @JsonProperty("done") boolean done, @JsonProperty("outcome") String outcome,
                         @JsonProperty("sampled") int sampled, @JsonProperty("population") long population,
                         @JsonProperty("byStatus") Map<String, Long> byStatus, @JsonProperty("memoriesCreated") long memoriesCreated,
                         @JsonProperty("estimatedFailedShare") double estimatedFailedShare,
                         @JsonProperty("ci95") ExtractionVerifier.Interval ci95, @JsonProperty("verifyKey") String verifyKey) {
    }

    /** The sample's seed: the same for every pass over a run. */
    static long seed(String runId) {
        return runId.hashCode() * 0x9E3779B97F4A7C15L;
    }

    public Output pass(Input in) throws InterruptedException {
        String runId = RunIds.requireValid(in.runId());
        if (in.sample() < 1) throw new IllegalArgumentException("sample: must be >= 1, was " + in.sample());
        RunState run = ledger.run(runId).orElseThrow(() -> new IllegalArgumentException("runId: no run \"" + runId + "\" in the ledger"));
        ExtractionVerifier verifier = new ExtractionVerifier(store, synap.apply(run), clock, Sleeper.REAL);
        ExtractionVerifier.Options o = new ExtractionVerifier.Options(in.sample(), false, false, Duration.ZERO, Duration.ZERO,
                seed(runId), 8);
        ExtractionVerifier.Result r = verifier.verify(runId, run.counters().accepted(), o, line -> { },
                in.passes() == 0 ? null : verifier.last(runId).orElse(null));
        int passes = in.passes() + 1;
        String outcome = switch (r.exitCode()) {
            case 0 -> "completed";
            case 5 -> "failed";
            default -> "pending";
        };
        boolean done = r.pending() == 0 || passes >= Math.max(1, in.maxPasses());
        return new Output(runId, in.sample(), in.maxPasses(), passes, done, outcome, r.sampled(), r.population(), r.byStatus(),
                r.memoriesCreated(), r.estimatedFailedShare(), r.ci95(), ExtractionVerifier.key(runId));
    }
}
