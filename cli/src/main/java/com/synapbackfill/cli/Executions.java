package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.text.Printable;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * A deployed run's state machine executions as the operator follows them: to the end of the last one (an execution hands
 * a long run to a new one before Step Functions' history limit and succeeds with {@code continuedIn}), and a failure said
 * with where to look: the execution, and, when its cause says nothing, the planner's log group and its last error line.
 */
final class Executions {
    /** The state machine's own failures (statemachine/backfill.asl.json): their cause is the run's reason. */
    private static final java.util.Set<String> RUN_ERRORS = java.util.Set.of("RunBlocked", "RunFailed");

    private final SfnClient sfn;
    private final FunctionLogs logs;
    private final String plannerFunction;
    private final Duration every;

    /** @param plannerFunction the stack's planner (name, alias or ARN), whose log a failure points to; may be null */
    Executions(SfnClient sfn, FunctionLogs logs, String plannerFunction, Duration every) {
        this.sfn = sfn;
        this.logs = logs;
        this.plannerFunction = plannerFunction;
        this.every = every;
    }

    DescribeExecutionResponse describe(String arn) {
        return sfn.describeExecution(r -> r.executionArn(arn));
    }

    /** The end of the execution, or of the last one continuing its run; waits while it runs. */
    DescribeExecutionResponse last(String arn) throws InterruptedException {
        String current = arn;
        while (true) {
            DescribeExecutionResponse d = describe(current);
            Optional<String> next = continuedIn(d);
            if (next.isPresent()) {
                current = next.get();
                continue;
            }
            if (d.status() != ExecutionStatus.RUNNING) return d;
            Thread.sleep(every.toMillis());
        }
    }

    /** The execution that continues this one's run, when it handed the run on. */
    static Optional<String> continuedIn(DescribeExecutionResponse d) {
        if (d.status() != ExecutionStatus.SUCCEEDED) return Optional.empty();
        JsonNode next = output(d).path("continuedIn").path("executionArn");
        return next.isTextual() ? Optional.of(next.asText()) : Optional.empty();
    }

    /** The report's location in the execution's output, or null. */
    static String reportLocation(DescribeExecutionResponse d) {
        JsonNode l = output(d).path("report").path("reportLocation");
        return l.isTextual() ? l.asText() : null;
    }

    private static JsonNode output(DescribeExecutionResponse d) {
        if (d.output() == null || d.output().isBlank()) return Json.MAPPER.missingNode();
        try {
            return Json.MAPPER.readTree(d.output());
        } catch (java.io.IOException e) {
            return Json.MAPPER.missingNode();
        }
    }

    /**
     * How an execution that did not succeed ended, in one line: its ARN, status, error and cause; when the cause says
     * nothing, or the error is not one of the run's own (a task failed: a crashed or timed-out planner), the planner's log
     * group and, if this machine may read it, its last error line.
     */
    String failure(DescribeExecutionResponse d) {
        String error = d.error() == null || d.error().isBlank() ? null : d.error();
        String cause = d.cause() == null || d.cause().isBlank() ? null : Printable.of(d.cause());
        StringBuilder s = new StringBuilder("the execution ").append(d.executionArn()).append(" ended ").append(d.statusAsString());
        if (error != null) s.append(" (").append(Printable.of(error)).append(')');
        s.append(": ").append(cause != null ? cause : "no cause given");
        if ((cause == null || error == null || !RUN_ERRORS.contains(error)) && plannerFunction != null) {
            Instant since = d.startDate() != null ? d.startDate() : Instant.now().minus(Duration.ofHours(1));
            s.append("; see ").append(logs.where(plannerFunction, since));
        }
        return s.toString();
    }
}
