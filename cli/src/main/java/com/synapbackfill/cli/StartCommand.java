package com.synapbackfill.cli;

import com.synapbackfill.json.Json;
import com.synapbackfill.planner.PlannerActions;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * {@code backfill start}: plans a run. On a deployed stack it starts the state machine (which then polls the
 * run and writes the report) or invokes the planner function; on the local ledger it plans and records the
 * shards, for {@code backfill resume} to work them.
 */
@Command(name = "start", description = "Plan a run: start the deployed state machine (or planner), or plan into the local ledger.",
        footer = {"", "On a stack the database is the stack's: --table and the run settings go into the start event;",
                "the function's environment supplies the rest. Locally, --jdbc-url/--db-user/--table are needed.",
                "", "Examples:",
                "  backfill start --stack synap-backfill --run-id backfill-nov --table public.turns --watch",
                "  backfill start --stack synap-backfill --via planner        # the planner only: no state machine polling",
                "  backfill start --jdbc-url jdbc:postgresql://db/app --db-user r --table turns --run-id nov   # local plan",
                "  backfill resume nov --jdbc-url jdbc:postgresql://db/app --db-user r                       # ...then work it"})
final class StartCommand extends OperatorCommand {
    @Mixin SourceOptions source;
    @Mixin RunSettingsOptions settings;
    @Option(names = "--run-id", description = "run id (default: generated); starting an existing run changes nothing") String runId;
    @Option(names = "--via", description = "on a stack: state-machine (default when the stack has one) or planner") String via;
    @Option(names = "--watch", description = "follow the run until it ends") boolean watch;

    @Override
    public Integer call() throws Exception {
        CliConfig c = config();
        String id = newRunId(c, runId);
        boolean deployed = stack.deployed(c);
        Map<String, String> env = deployed ? none() : source.env(c, SourceOptions.Needs.PLAN, settings);
        try (Target target = Target.open(stack, c, deployed ? Target.Access.READ : Target.Access.WORK, env)) {
            if (viaStateMachine(via, target)) return viaStateMachine(c, target, id);
            PlannerRequest request = deployed ? settings.startRequest(c, id) : PlannerRequest.of(PlannerRequest.Action.START, id);
            PlannerResults.Start s = target.planner().start(request);
            out.printf("Run %s: %s%s; %d shards over ~%,d rows; ceiling %.0f docs/s, ETA %s; recommended concurrency %d%n",
                    s.runId(), s.status(), s.created() ? "" : " (it existed: nothing changed)", s.shards(), s.estimatedRows(),
                    s.ceilingDocsPerSecond(), Progress.eta(s.etaSeconds()), s.recommendedConcurrency());
            if (target.local())
                out.println("Work it with: backfill resume " + id + " --state-dir " + stateDirOf(c)
                        + " (with the --jdbc-url, --db-user and SYNAP_API_KEY of the run)");
            if (!watch) return BackfillCommand.OK;
            PlannerResults.Status st = watch(target.planner(), id, Duration.ofSeconds(5));
            printStatus(st);
            return exitCode(st);
        }
    }

    /**
     * Starts the execution named after the run, waits until its start step planned the run, and with --watch follows the
     * run and then the execution (or the last one continuing it) to its end: the report, and the verify step if the
     * stack has one, come after the run completes. Once the execution exists this same command is refused, so a failure
     * from here on says how to follow the run or continue it instead.
     */
    private int viaStateMachine(CliConfig c, Target target, String id) throws InterruptedException {
        String where = " " + following(c);
        String execution = startExecution(target.stateMachine(), id, stateMachineInput(settings.startRequest(c, id)), where);
        out.println("Started " + execution);
        try (SfnClient sfn = SfnClient.create()) {
            Executions executions = new Executions(sfn, FunctionLogs.standard(), target.plannerFunction(), Duration.ofSeconds(2));
            try {
                awaitPlanned(target.planner(), executions, execution, id, System.nanoTime() + PLANNING_LIMIT.toNanos());
                out.println("Follow it: backfill status " + id + where + " --watch");
                if (!watch) return BackfillCommand.OK;
                PlannerResults.Status s = watch(target.planner(), id, Duration.ofSeconds(5));
                printStatus(s);
                return awaitExecution(executions, execution, s);
            } catch (RuntimeException e) {
                err.println("backfill: " + e.getMessage());
                err.println("  The execution " + execution + " exists (named after the run), so this command would now be refused. Follow the run: "
                        + "backfill status " + id + where + " --watch; continue it if it stopped: backfill resume " + id + where
                        + "; if it was never planned, start again with a new --run-id.");
                return e instanceof IllegalArgumentException ? BackfillCommand.USAGE : BackfillCommand.ERROR;
            }
        }
    }

    /** After the run ended: the execution (the last continuing it) writes the report and verifies; its end is the command's. */
    static int awaitExecution(PrintStream out, PrintStream err, Executions executions, String execution, PlannerResults.Status s)
            throws InterruptedException {
        out.println("COMPLETED".equals(s.status()) ? "  run completed; execution writing the report…"
                : "  run " + s.status().toLowerCase(java.util.Locale.ROOT) + "; execution ending…");
        DescribeExecutionResponse end = executions.last(execution);
        if (end.status() == ExecutionStatus.SUCCEEDED) {
            String report = Executions.reportLocation(end);
            out.println("Execution " + end.executionArn() + ": SUCCEEDED" + (report == null ? "" : "; report " + report));
            return exitCode(s);
        }
        err.println("backfill: " + executions.failure(end));
        if ("RunBlocked".equals(end.error())) return BackfillCommand.BLOCKED;
        return BackfillCommand.ERROR;
    }

    private int awaitExecution(Executions executions, String execution, PlannerResults.Status s) throws InterruptedException {
        return awaitExecution(out, err, executions, execution, s);
    }

    private String stateDirOf(CliConfig c) {
        String d = c.pick(stack.stateDir, "stateDir", "BACKFILL_STATE_DIR");
        return d == null ? ".backfill" : d;
    }

    private String following(CliConfig c) {
        String s = c.pick(stack.stack, "stack", "BACKFILL_STACK");
        return s != null ? "--stack " + s : "--planner-function <name>";
    }

    /** The state machine's input: {@code {"start": <start event without its action>}} (see statemachine/backfill.asl.json). */
    static String stateMachineInput(PlannerRequest request) {
        Map<String, Object> event = new LinkedHashMap<>(Json.read(LambdaPlanner.event(request), Map.class));
        event.remove("action");
        return Json.write(Map.of("start", event));
    }

    /** As long as the planner may take (its function's timeout) plus a margin. */
    static final Duration PLANNING_LIMIT = Duration.ofMinutes(16);

    /**
     * Returns once the execution's start step has put the run in the ledger (the planner reads the source and asks Synap
     * first), so that what follows (status, --watch) finds it; an execution that ends first is an error with its cause, or
     * where the planner's log is when there is none.
     */
    private void awaitPlanned(PlannerActions planner, Executions executions, String execution, String id, long deadline)
            throws InterruptedException {
        boolean said = false;
        while (true) {
            try {
                PlannerResults.Status s = planner.status(id);
                out.printf("Run %s: %s; %d shards over ~%,d rows%s%n", id, s.status(), s.shardsTotal(), s.estimatedRows(),
                        s.reason() == null ? "" : " (" + s.reason() + ")");
                return;
            } catch (IllegalArgumentException notYet) {
                if (!String.valueOf(notYet.getMessage()).contains("no run \"")) throw notYet;
            }
            DescribeExecutionResponse d = executions.describe(execution);
            if (d.status() != ExecutionStatus.RUNNING)
                throw new IllegalStateException("run " + id + " was not planned: " + executions.failure(d));
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("run " + id + " was not planned within " + PLANNING_LIMIT.toMinutes()
                        + " minutes; see the execution " + execution);
            if (!said) out.println("Planning " + id + " (the state machine's start step reads the source and asks Synap)...");
            said = true;
            Thread.sleep(2_000);
        }
    }

    /**
     * Starts an execution named after the run, so a second start of the same run is refused by Step Functions.
     * @param where the options that name the stack, for the commands a refusal suggests
     */
    static String startExecution(String stateMachineArn, String name, String input, String where) {
        try (SfnClient sfn = SfnClient.create()) {
            return sfn.startExecution(r -> r.stateMachineArn(stateMachineArn).name(name).input(input)).executionArn();
        } catch (software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException e) {
            throw new IllegalArgumentException("--run-id: run " + name + " was started before (an execution is named after its run). "
                    + "Follow it: backfill status " + name + where + " --watch; continue it: backfill resume " + name + where
                    + "; or start another run with a new --run-id");
        }
    }
}
