package com.synapbackfill.cli;

import com.synapbackfill.json.Json;
import com.synapbackfill.planner.PlannerActions;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sfn.SfnClient;

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
            if (viaStateMachine(via, target)) {
                String execution = startExecution(target.stateMachine(), id, stateMachineInput(settings.startRequest(c, id)));
                out.println("Started " + execution);
                awaitPlanned(target.planner(), execution, id);
                out.println("Follow it: backfill status " + id + " " + following(c) + " --watch");
            } else {
                PlannerRequest request = deployed ? settings.startRequest(c, id) : PlannerRequest.of(PlannerRequest.Action.START, id);
                PlannerResults.Start s = target.planner().start(request);
                out.printf("Run %s: %s%s; %d shards over ~%,d rows; ceiling %.0f docs/s, ETA %s; recommended concurrency %d%n",
                        s.runId(), s.status(), s.created() ? "" : " (it existed: nothing changed)", s.shards(), s.estimatedRows(),
                        s.ceilingDocsPerSecond(), Progress.eta(s.etaSeconds()), s.recommendedConcurrency());
                if (target.local())
                    out.println("Work it with: backfill resume " + id + " --state-dir " + stateDirOf(c)
                            + " (with the --jdbc-url, --db-user and SYNAP_API_KEY of the run)");
            }
            if (!watch) return BackfillCommand.OK;
            PlannerResults.Status s = watch(target.planner(), id, Duration.ofSeconds(5));
            printStatus(s);
            return exitCode(s);
        }
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
     * first), so that what follows (status, --watch) finds it; an execution that ends first is an error with its cause.
     */
    private void awaitPlanned(PlannerActions planner, String execution, String id) throws InterruptedException {
        try (SfnClient sfn = SfnClient.create()) {
            awaitPlanned(planner, sfn, execution, id, System.nanoTime() + PLANNING_LIMIT.toNanos());
        }
    }

    private void awaitPlanned(PlannerActions planner, SfnClient sfn, String execution, String id, long deadline)
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
            var d = sfn.describeExecution(r -> r.executionArn(execution));
            if (d.status() != software.amazon.awssdk.services.sfn.model.ExecutionStatus.RUNNING)
                throw new IllegalStateException("the execution ended " + d.status() + " before run " + id + " was planned: "
                        + d.error() + (d.cause() == null ? "" : ": " + d.cause()));
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("run " + id + " was not planned within " + PLANNING_LIMIT.toMinutes()
                        + " minutes; see the execution " + execution);
            if (!said) out.println("Planning " + id + " (the state machine's start step reads the source and asks Synap)...");
            said = true;
            Thread.sleep(2_000);
        }
    }

    /** Starts an execution named after the run, so a second start of the same run is refused by Step Functions. */
    static String startExecution(String stateMachineArn, String name, String input) {
        try (SfnClient sfn = SfnClient.create()) {
            return sfn.startExecution(r -> r.stateMachineArn(stateMachineArn).name(name).input(input)).executionArn();
        } catch (software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException e) {
            throw new IllegalArgumentException("--run-id: an execution named " + name + " exists; follow it with status, or resume the run");
        }
    }
}
