package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * {@code backfill resume RUN}: re-enqueues a run's unfinished shards (after a stop, a block, or a crash). On a
 * stack the deployed workers take them (through the state machine, which then polls and reports, or the planner
 * alone); on the local ledger this process works them, continuing every shard from its checkpoint.
 */
@Command(name = "resume", description = "Continue a run's unfinished shards from their checkpoints (deployed workers, or here).",
        footer = {"", "Locally the run's settings come from the ledger; the database and Synap come from flags, the config file or env.",
                "", "Examples:",
                "  backfill resume backfill-nov --stack synap-backfill --watch",
                "  SYNAP_API_KEY=... SOURCE_DB_PASSWORD=... backfill resume backfill-nov --jdbc-url jdbc:postgresql://db/app --db-user r"})
final class ResumeCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Mixin SourceOptions source;
    @Option(names = "--via", description = "on a stack: state-machine (default when the stack has one) or planner") String via;
    @Option(names = "--concurrency", description = "local workers, 1..1000 (default: recommended)") Integer concurrency;
    @Option(names = "--watch", description = "on a stack: follow the run until it ends (locally it is always followed)") boolean watch;
    @Option(names = "--max-credits", paramLabel = "N", description = "the run's credit cap from now on (a run BLOCKED at its cap continues "
            + "with a higher one)") Long maxCredits;

    private Long cap() {
        return maxCredits == null ? null : RunSettingsOptions.credits(Long.toString(maxCredits), "--max-credits");
    }

    @Override
    public Integer call() throws Exception {
        CliConfig c = config();
        String id = runId(runId);
        boolean deployed = stack.deployed(c);
        Map<String, String> env = deployed ? none() : source.env(c, SourceOptions.Needs.SEND, null);
        Integer workers = RunCommand.workers(c, concurrency);
        if (!deployed) {
            env = new java.util.LinkedHashMap<>(env);
            LocalRunRecord.apply(c, source, stack, id, env, out, false);
            RunCommand.checkSynap(env.get("SYNAP_BASE_URL"), env.get("SYNAP_API_KEY"));
        }
        try (Target target = Target.open(stack, c, deployed ? Target.Access.READ : Target.Access.WORK, env)) {
            if (target.local()) {
                LocalRun run = new LocalRun(target.deployment(), target.reports());
                PlannerResults.Resume r = run.planner().resume(id, cap());
                out.printf("Run %s (%s): %d unfinished shards continue from their checkpoints%s.%n", id, r.status(), r.shardsEnqueued(),
                        maxCredits == null ? "" : ", credit cap " + maxCredits);
                LocalRunRecord.write(c, stack, id, env.get("SYNAP_BASE_URL"));
                int n = workers != null ? workers : run.planner().tune(id, false).recommendedConcurrency();
                return RunCommand.work(run, id, n, out, stack.where(), RunCommand.sourceFlags(env), target.space(),
                        () -> LocalRunRecord.completed(c, stack, id));
            }
            // a run the ledger does not know was never planned (its start failed first): nothing to continue
            PlannerResults.Status before;
            try {
                before = target.planner().status(id);
            } catch (IllegalArgumentException e) {
                if (String.valueOf(e.getMessage()).contains("no run \""))
                    throw new IllegalArgumentException("run " + id + " was never planned: start it again with a new --run-id");
                throw e;
            }
            String where = stack.where();
            if (viaStateMachine(via, target)) {
                String name = id + "-resume-" + Clock.systemUTC().millis() / 1000;
                String execution = StartCommand.startExecution(target.stateMachine(), name,
                        "{\"resume\":true,\"start\":{\"runId\":\"" + id + "\"" + (cap() == null ? "" : ",\"maxCredits\":" + cap()) + "}}", where);
                out.println("Started " + execution);
                if (!watch) return BackfillCommand.OK;
                try (SfnClient sfn = SfnClient.create()) {
                    Executions executions = new Executions(sfn, FunctionLogs.standard(), target.plannerFunction(), Duration.ofSeconds(2));
                    // the run is still as it stopped until the execution's resume step has run: follow it from then
                    while (!"RUNNING".equals(before.status()) && target.planner().status(id).status().equals(before.status())
                            && executions.describe(execution).status() == software.amazon.awssdk.services.sfn.model.ExecutionStatus.RUNNING)
                        Thread.sleep(2_000);
                    PlannerResults.Status s = watch(target.planner(), id, Duration.ofSeconds(5));
                    printStatus(s);
                    return StartCommand.awaitExecution(out, err, executions, execution, s);
                }
            }
            PlannerResults.Resume r = target.planner().resume(id, cap());
            out.printf("Run %s (%s): %d unfinished shards re-enqueued for the deployed workers.%n", id, r.status(), r.shardsEnqueued());
            if (!watch) return BackfillCommand.OK;
            PlannerResults.Status s = watch(target.planner(), id, Duration.ofSeconds(5));
            printStatus(s);
            return exitCode(s);
        }
    }
}
