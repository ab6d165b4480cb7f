package com.synapbackfill.planner;

import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.queue.ShardQueue;
import com.synapbackfill.report.ReportStore;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.TurnSource;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * Planner actions (docs/design.md §5), each its own class: {@link StartAction}, {@link ResumeAction}, {@link StatusAction},
 * {@link RunReport}, {@link TuneAction}; the sizing maths is {@link RunSizing}. Every collaborator is a constructor parameter.
 */
public final class PlannerService implements PlannerActions {
    private final Ledger ledger;
    private final ReportStore reports;
    private final Clock clock;
    private final StartAction starts;
    private final ResumeAction resumes;
    private final StatusAction statuses;
    private final TuneAction tunes;

    public PlannerService(Ledger ledger, ShardQueue queue, Function<SourceConfig, TurnSource> sources,
                          ReportStore reports, ConcurrencyTuner tuner, Optional<RunConfig> defaults, double headroom,
                          Clock clock) {
        this(ledger, queue, sources, reports, tuner, defaults, headroom, clock, RunPreflight.Port.NONE);
    }

    /** @param preflight what Synap is asked before a new run is created (isolation mode, credits) */
    public PlannerService(Ledger ledger, ShardQueue queue, Function<SourceConfig, TurnSource> sources,
                          ReportStore reports, ConcurrencyTuner tuner, Optional<RunConfig> defaults, double headroom,
                          Clock clock, RunPreflight.Port preflight) {
        this.ledger = ledger;
        this.reports = reports;
        this.clock = clock;
        this.starts = new StartAction(ledger, queue, sources, defaults, headroom, clock, java.util.Objects.requireNonNull(preflight, "preflight"));
        this.resumes = new ResumeAction(ledger, queue);
        this.statuses = new StatusAction(ledger, clock);
        this.tunes = new TuneAction(ledger, tuner, headroom);
    }

    public Object handle(PlannerRequest request) {
        return switch (request.action()) {
            case START -> start(request);
            case RESUME -> resume(request.requireRunId(), request.maxCredits());
            case STATUS -> status(request.requireRunId());
            case REPORT -> report(request.requireRunId());
            case TUNE -> tune(request.requireRunId(), !Boolean.FALSE.equals(request.apply()));
        };
    }

    @Override
    public PlannerResults.Start start(PlannerRequest request) {
        return starts.start(request);
    }

    @Override
    public PlannerResults.Resume resume(String runId) {
        return resume(runId, null);
    }

    /**
     * Re-enqueues the unfinished shards; with {@code maxCredits} the run's cap is set first (a run BLOCKED at its cap continues
     * with a higher one). What the run spent so far stays counted.
     */
    @Override
    public PlannerResults.Resume resume(String runId, Long maxCredits) {
        return resumes.resume(runId, maxCredits);
    }

    @Override
    public PlannerResults.Status status(String runId) {
        return statuses.status(runId);
    }

    @Override
    public PlannerResults.Report report(String runId) {
        return new RunReport(ledger, reports).write(Runs.require(ledger, runId), status(runId), clock.millis());
    }

    @Override
    public PlannerResults.Tune tune(String runId, boolean apply) {
        return tunes.tune(runId, apply);
    }
}
