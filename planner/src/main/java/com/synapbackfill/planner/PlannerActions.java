package com.synapbackfill.planner;

/**
 * What an operator can ask the planner (docs/design.md §5), wherever it runs: {@link PlannerService} in this process,
 * or the deployed planner function invoked over the Lambda API (the CLI's {@code LambdaPlanner}).
 */
public interface PlannerActions {
    PlannerResults.Start start(PlannerRequest request);

    PlannerResults.Resume resume(String runId);

    PlannerResults.Status status(String runId);

    PlannerResults.Report report(String runId);

    PlannerResults.Tune tune(String runId, boolean apply);
}
