package com.synapbackfill.worker.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.synapbackfill.json.Json;
import com.synapbackfill.worker.VerifyStep;
import com.synapbackfill.worker.WorkerComponents;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The verify function (the state machine's optional step after the report): one {@link VerifyStep} pass per
 * invocation, {@code {"runId","sample","maxPasses","passes"}} in, the pass's outcome out. Errors are thrown, so
 * Step Functions sees them as function errors and retries them.
 */
public final class VerifyHandler implements RequestStreamHandler {
    private final VerifyStep step;

    public VerifyHandler() {
        this(WorkerComponents.verifyStep(System.getenv()));
    }

    public VerifyHandler(VerifyStep step) {
        this.step = step;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        if (context != null && context.getAwsRequestId() != null) org.slf4j.MDC.put("requestId", context.getAwsRequestId());
        try {
            String body = new String(input.readAllBytes(), StandardCharsets.UTF_8);
            VerifyStep.Input in = Json.read(body.isBlank() ? "{}" : body, VerifyStep.Input.class);
            output.write(Json.writeBytes(step.pass(in)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("verify pass interrupted", e);
        } finally {
            org.slf4j.MDC.remove("requestId");
        }
    }
}
