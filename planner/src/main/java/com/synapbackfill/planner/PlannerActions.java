package com.synapbackfill.planner;

/**
 * What an operator can ask the planner (docs/design.md §5), wherever it runs: {@link PlannerService} in this process,
 * or the deployed planner function invoked over the Lambda API (the CLI's {@code LambdaPlanner}).
 */
public interface PlannerActions {
    PlannerResults.Start start(PlannerRequest request);

    PlannerResults.Resume resume(String runId);

    /** A resume that first sets the run's credit cap ({@code maxCredits}; null: as it was). */
    default PlannerResults.Resume resume(String runId, Long maxCredits) {
        if (maxCredits != null) throw new UnsupportedOperationException("this planner cannot change a run's credit cap");
        return resume(runId);
    }

    PlannerResults.Status status(String runId);

    PlannerResults.Report report(String runId);

    PlannerResults.Tune tune(String runId, boolean apply);
}
