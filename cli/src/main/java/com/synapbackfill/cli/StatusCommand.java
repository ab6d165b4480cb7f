package com.synapbackfill.cli;

import com.synapbackfill.ledger.RunLedger;
import com.synapbackfill.model.RunState;
import com.synapbackfill.planner.PlannerResults;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backfill status [RUN]}: where a run stands, once or followed with {@code --watch}; without RUN, the ledger's runs. */
@Command(name = "status", description = "Show a run's progress (local ledger or deployed stack); --watch follows it; no RUN lists the runs.",
        footer = {"", "Exit codes: 0 running or completed, 3 blocked, 1 failed.", "", "Examples:",
                "  backfill status                                       # the runs in the local ledger, newest first",
                "  backfill status backfill-nov --watch                  # beside a running `backfill run` (same --state-dir)",
                "  backfill status backfill-nov --stack synap-backfill --watch"})
final class StatusCommand extends OperatorCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "run id (none: list the runs)") String runId;
    @Option(names = "--watch", description = "refresh until the run is completed, failed or blocked") boolean watch;
    @Option(names = "--every", defaultValue = "5", description = "seconds between refreshes (default ${DEFAULT-VALUE})") int everySeconds;

    private Target target;

    @Override
    public Integer call() throws Exception {
        if (everySeconds < 1) throw new IllegalArgumentException("--every: must be >= 1, was " + everySeconds);
        CliConfig c = config();
        if (runId == null && watch) throw new IllegalArgumentException("RUN: --watch follows one run; name it (backfill status lists them)");
        try {
            if (watch) {
                // the ledger is opened inside the watch: a run that ends (and stops serving its ledger) between
                // opening and the first call is ridden out like any failed call, not an error
                PlannerResults.Status s = watch(null, () -> reopened(c).planner(), runId(runId), Duration.ofSeconds(everySeconds));
                printStatus(s);
                if (target != null) printPage(target, s);
                return exitCode(s);
            }
            target = Target.open(stack, c, Target.Access.READ, none());
            if (runId == null) return list(target);
            PlannerResults.Status s = target.planner().status(runId(runId));
            printStatus(s);
            printPage(target, s);
            return exitCode(s);
        } finally {
            if (target != null) target.close();
        }
    }

    /**
     * The target to ask next: opened on first use; after a failed call a local reader opens the state directory
     * again (it serves the ledger itself once the run that served it has ended).
     */
    private Target reopened(CliConfig c) {
        if (target == null || target.local()) {
            if (target != null) target.close();
            target = null;
            target = Target.open(stack, c, Target.Access.READ, none());
        }
        return target;
    }

    private int list(Target target) {
        RunLedger ledger = target.ledger();
        List<String> ids = ledger.runIds(20);
        if (ids.isEmpty()) {
            out.println("No runs in the " + target.describe() + ".");
            return BackfillCommand.OK;
        }
        out.printf("%-36s %-10s %14s %12s  %s%n", "RUN", "STATUS", "ROWS", "FAILED", "CREATED");
        for (String id : ids) {
            RunState r = ledger.run(id).orElse(null);
            if (r == null) continue;
            out.printf("%-36s %-10s %14s %,12d  %s%n", id, r.status(), String.format("%,d/%,d", r.counters().handled(), r.estimatedRows()),
                    r.counters().failed(), Instant.ofEpochMilli(r.createdAtEpochMillis()));
        }
        return BackfillCommand.OK;
    }
}
