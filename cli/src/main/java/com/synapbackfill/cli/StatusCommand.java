package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backfill status RUN}: where a run stands, once or followed with {@code --watch}. */
@Command(name = "status", description = "Show a run's progress (local ledger or deployed stack); --watch follows it.",
        footer = {"", "Exit codes: 0 running or completed, 3 blocked, 1 failed.", "", "Examples:",
                "  backfill status backfill-nov --watch                  # beside a running `backfill run` (same --state-dir)",
                "  backfill status backfill-nov --stack synap-backfill --watch"})
final class StatusCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Option(names = "--watch", description = "refresh until the run is completed, failed or blocked") boolean watch;
    @Option(names = "--every", defaultValue = "5", description = "seconds between refreshes (default ${DEFAULT-VALUE})") int everySeconds;

    @Override
    public Integer call() throws Exception {
        if (everySeconds < 1) throw new IllegalArgumentException("--every: must be >= 1, was " + everySeconds);
        try (Target target = Target.open(stack, config(), Target.Access.READ, none())) {
            PlannerResults.Status s = watch ? watch(target.planner(), runId(runId), Duration.ofSeconds(everySeconds))
                    : target.planner().status(runId(runId));
            printStatus(s);
            return exitCode(s);
        }
    }
}
