package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backfill tune RUN}: the worker concurrency the measured latency calls for, applied to the deployed mapping. */
@Command(name = "tune", description = "Recommend (and on a stack apply) the worker concurrency for the measured Synap latency.",
        footer = {"", "concurrency = ceil(requests/s x (p95 latency + 0.25 s) x headroom), 2..1000.", "", "Examples:",
                "  backfill tune backfill-nov --stack synap-backfill             # sets the mapping's MaximumConcurrency",
                "  backfill tune backfill-nov --stack synap-backfill --dry-run"})
final class TuneCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Option(names = "--dry-run", description = "only recommend; do not change the event source mapping") boolean dryRun;

    @Override
    public Integer call() {
        try (Target target = Target.open(stack, config(), Target.Access.READ, none())) {
            PlannerResults.Tune t = target.planner().tune(runId(runId), !dryRun);
            out.printf("Run %s: %.2f requests/s x p95 %d ms x headroom %.2f -> concurrency %d%s%n", t.runId(), t.requestsPerSecond(),
                    t.latencyP95Millis(), t.headroom(), t.recommendedConcurrency(),
                    t.capReason() == null ? "" : " (the formula gives " + t.formulaConcurrency() + "; " + t.capReason() + ")");
            out.println(t.applied() ? "  applied to the worker's event source mapping " + t.mappingId()
                    : dryRun ? "  not applied (--dry-run)"
                    : target.local() ? "  local runs take it with --concurrency " + t.recommendedConcurrency()
                    : "  not applied: the planner knows no WORKER_EVENT_SOURCE_MAPPING_ID");
            return BackfillCommand.OK;
        }
    }
}
