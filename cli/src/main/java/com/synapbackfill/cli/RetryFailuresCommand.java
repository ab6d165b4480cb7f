package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.worker.FailureRetrier;
import com.synapbackfill.worker.WorkerComponents;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code backfill retry-failures RUN}: re-reads a stopped run's failed rows by id from the source and sends
 * them again under the run's rate limit. Resolved rows are marked so and move from failed to accepted (or
 * already present) in the run's counters; rows still invalid stay failed with their current reason.
 */
@Command(name = "retry-failures", description = "Re-read a run's failed rows from the source and send them again.",
        footer = {"", "Runs on this machine, for a local ledger or a deployed stack: it needs the database and Synap",
                "(--jdbc-url, --db-user, SOURCE_DB_PASSWORD, SYNAP_API_KEY), and the run must not be RUNNING.",
                "", "Examples:",
                "  backfill retry-failures backfill-nov --jdbc-url jdbc:postgresql://db/app --db-user r",
                "  backfill retry-failures backfill-nov --reason bad_row: --stack synap-backfill --config backfill.yaml"})
final class RetryFailuresCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Mixin SourceOptions source;
    @Option(names = "--reason", description = "only failures of this reason (or a prefix ending in ':')") String reason;

    @Override
    public Integer call() {
        CliConfig c = config();
        String id = runId(runId);
        Map<String, String> env = new java.util.LinkedHashMap<>(source.env(c, SourceOptions.Needs.SEND, null));
        if (!stack.deployed(c)) LocalRunRecord.apply(c, source, stack, id, env, out, false);
        RunCommand.checkSynap(env.get("SYNAP_BASE_URL"), env.get("SYNAP_API_KEY"));
        try (Target target = Target.open(stack, c, Target.Access.WRITE, env)) {
            FailureRetrier retrier = new FailureRetrier(target.ledger(),
                    WorkerComponents.resources(target.settings(), target.env(), target.aws(), Clock.systemUTC()), Clock.systemUTC());
            FailureRetrier.Result r = retrier.retry(id, reason, line -> out.println("  " + line));
            out.printf("Run %s: retried %,d failures: resolved %,d (accepted %,d, already present %,d) in %,d calls; still failing %,d%n",
                    id, r.retried(), r.resolved(), r.accepted(), r.alreadyPresent(), r.calls(), r.stillFailingTotal());
            r.stillFailing().forEach((k, v) -> out.printf("  %-32s %,8d%n", k, v));
            PlannerResults.Report report = target.planner().report(id);
            printReport(report);
            return report.invariantHolds() ? BackfillCommand.OK : BackfillCommand.INVARIANT;
        }
    }
}
