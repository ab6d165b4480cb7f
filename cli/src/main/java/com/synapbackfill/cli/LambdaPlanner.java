package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.planner.PlannerActions;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * The deployed planner function, invoked synchronously with the same events as {@code events/*.json}
 * (what {@code sam remote invoke} sends). A function error comes back as the planner's own message: an
 * IllegalArgumentException in the function (a bad runId, config or action) is a usage error here too.
 */
final class LambdaPlanner implements PlannerActions {
    private final LambdaClient lambda;
    private final String function;
    private final FunctionLogs logs;

    /** @param logs where a failure without a message points (the function's log group, its last error line) */
    LambdaPlanner(LambdaClient lambda, String function, FunctionLogs logs) {
        this.lambda = lambda;
        this.function = function;
        this.logs = logs;
    }

    @Override
    public PlannerResults.Start start(PlannerRequest request) {
        return invoke(request, PlannerResults.Start.class);
    }

    @Override
    public PlannerResults.Resume resume(String runId) {
        return invoke(PlannerRequest.of(PlannerRequest.Action.RESUME, runId), PlannerResults.Resume.class);
    }

    @Override
    public PlannerResults.Resume resume(String runId, Long maxCredits) {
        return invoke(PlannerRequest.resume(runId, maxCredits), PlannerResults.Resume.class);
    }

    @Override
    public PlannerResults.Status status(String runId) {
        return invoke(PlannerRequest.of(PlannerRequest.Action.STATUS, runId), PlannerResults.Status.class);
    }

    @Override
    public PlannerResults.Report report(String runId) {
        return invoke(PlannerRequest.of(PlannerRequest.Action.REPORT, runId), PlannerResults.Report.class);
    }

    @Override
    public PlannerResults.Tune tune(String runId, boolean apply) {
        return invoke(new PlannerRequest(PlannerRequest.Action.TUNE, runId, null, null, null, null, null, null, null, null, null,
                null, null, null, apply), PlannerResults.Tune.class);
    }

    /** The event as the planner reads it: lower-case action, only the fields that are set. */
    static String event(PlannerRequest request) {
        Map<String, Object> event = new LinkedHashMap<>();
        JsonNode tree = Json.MAPPER.valueToTree(request);
        tree.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) event.put(e.getKey(), e.getValue());
        });
        event.put("action", request.action().name().toLowerCase());
        return Json.write(event);
    }

    private <T> T invoke(PlannerRequest request, Class<T> type) {
        java.time.Instant invoked = java.time.Instant.now();
        InvokeResponse r;
        try {
            r = lambda.invoke(b -> b.functionName(function).payload(SdkBytes.fromUtf8String(event(request))));
        } catch (software.amazon.awssdk.services.lambda.model.ResourceNotFoundException e) {
            throw new IllegalArgumentException("--planner-function: no function \"" + function + "\" here ("
                    + e.awsErrorDetails().errorMessage() + "); check the name, --stack and --region", e);
        } catch (SdkException e) {
            if (BackfillCommand.awsSetupProblem(e) != null) throw e;
            throw new IllegalStateException("could not invoke the planner function " + function + ": " + e.getMessage(), e);
        }
        String body = r.payload() == null ? "" : r.payload().asUtf8String();
        if (r.functionError() != null) {
            JsonNode err = null;
            try {
                err = body.isBlank() ? null : Json.read(body, JsonNode.class);
            } catch (IllegalArgumentException notJson) {
                // keep the raw body as the message
            }
            String message = err != null && err.isObject() ? err.path("errorMessage").asText("") : body;
            String errType = err != null && err.hasNonNull("errorType") ? err.get("errorType").asText() : r.functionError();
            if (errType.endsWith("IllegalArgumentException") && !message.isBlank()) throw new IllegalArgumentException(message);
            // a crashed or timed-out runtime says little or nothing: where its log is, and what it last said there
            throw new IllegalStateException("planner function " + function + " failed (" + errType + "): "
                    + (message.isBlank() ? "no message; see " + logs.where(function, invoked) : message));
        }
        try {
            return Json.read(body, type);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("planner function " + function + " answered something this CLI cannot read "
                    + "(deployed with another version?): " + e.getMessage(), e);
        }
    }
}
