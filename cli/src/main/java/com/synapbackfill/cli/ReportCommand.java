package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code backfill report RUN}: writes report.json and failures.jsonl (S3 or the state directory) and summarizes them. */
@Command(name = "report", description = "Write a run's report.json and failures.jsonl and print the summary.",
        footer = {"", "Exit codes: 0 invariant holds, 4 invariant broken.", "", "Examples:",
                "  backfill report backfill-nov", "  backfill report backfill-nov --stack synap-backfill"})
final class ReportCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;

    @Override
    public Integer call() {
        try (Target target = Target.open(stack, config(), Target.Access.READ, none())) {
            PlannerResults.Status s = target.planner().status(runId(runId));
            PlannerResults.Report r = target.planner().report(runId);
            printStatus(s);
            printReport(r);
            return r.invariantHolds() ? BackfillCommand.OK : BackfillCommand.INVARIANT;
        }
    }
}
