package com.synapbackfill.planner.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.synapbackfill.json.Json;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The planner Lambda: decodes {@code {"action": ..., ...}} with the project's strict JSON reader (an unknown
 * action or field is a clear error listing what is allowed), calls the service, encodes the answer. Errors
 * are thrown, so Step Functions and {@code sam remote invoke} see them as function errors.
 */
public final class PlannerHandler implements RequestStreamHandler {
    private final PlannerService service;

    public PlannerHandler() {
        this(PlannerComponents.fromEnvironment(System.getenv()));
    }

    public PlannerHandler(PlannerService service) {
        this.service = service;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String body = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        PlannerRequest request = Json.read(body.isBlank() ? "{}" : body, PlannerRequest.class);
        output.write(Json.writeBytes(service.handle(request)));
    }
}
