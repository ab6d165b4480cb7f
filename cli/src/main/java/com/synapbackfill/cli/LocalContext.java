package com.synapbackfill.cli;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A Lambda {@link Context} for local invocations: a deadline like the real one, nothing else. */
public final class LocalContext implements Context {
    private final long deadlineMillis;
    private final String requestId = UUID.randomUUID().toString();
    private final String functionName;

    public LocalContext(String functionName, long budgetMillis) {
        this.functionName = functionName;
        this.deadlineMillis = System.currentTimeMillis() + budgetMillis;
    }

    @Override public String getAwsRequestId() { return requestId; }
    @Override public String getLogGroupName() { return "/local/" + functionName; }
    @Override public String getLogStreamName() { return "local"; }
    @Override public String getFunctionName() { return functionName; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:local:000000000000:function:" + functionName; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return (int) Math.max(0, deadlineMillis - System.currentTimeMillis()); }
    @Override public int getMemoryLimitInMB() { return 1024; }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override public void log(String message) { System.err.println(com.synapbackfill.text.Printable.of(message)); }
            @Override public void log(byte[] message) { log(new String(message, StandardCharsets.UTF_8)); }
        };
    }
}
