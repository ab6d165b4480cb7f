package com.synapbackfill.planner.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.synapbackfill.json.Json;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.synap.Priming;
import org.crac.Core;
import org.crac.Resource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The planner Lambda: decodes {@code {"action": ..., ...}} with the project's strict JSON reader (an unknown
 * action or field is a clear error listing what is allowed), calls the service, encodes the answer. Errors
 * are thrown, so Step Functions and {@code sam remote invoke} see them as function errors.
 */
public final class PlannerHandler implements RequestStreamHandler, Resource {
    private final PlannerService service;

    public PlannerHandler() {
        this(PlannerComponents.fromEnvironment(System.getenv()));
        Core.getGlobalContext().register(this);
    }

    /** SnapStart: load and JIT-warm the JSON paths before the snapshot is taken. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.json();
    }

    /** SnapStart: nothing cached across a restore may be reused (connections, resolved addresses). */
    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        Priming.afterRestore();
    }

    public PlannerHandler(PlannerService service) {
        this.service = service;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        // the Lambda request id in every log line of the invocation, as the worker does
        if (context != null && context.getAwsRequestId() != null) org.slf4j.MDC.put("requestId", context.getAwsRequestId());
        try {
            String body = new String(input.readAllBytes(), StandardCharsets.UTF_8);
            PlannerRequest request = Json.read(body.isBlank() ? "{}" : body, PlannerRequest.class);
            output.write(Json.writeBytes(service.handle(request)));
        } finally {
            org.slf4j.MDC.remove("requestId");
        }
    }
}
