package com.synapbackfill.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS APIs the CLI calls on a deployed stack, answered on a loopback port the way a test scripts them, for the CLI as a
 * process pointed here by {@code AWS_ENDPOINT_URL}: CloudFormation's DescribeStacks (query protocol, XML), Lambda's Invoke
 * (REST), and the JSON protocols by their {@code X-Amz-Target} (Step Functions, CloudWatch Logs, Secrets Manager). Every
 * call is recorded with the region its signature names. What is not scripted answers 400, as an unknown operation.
 */
final class FakeAws implements AutoCloseable {
    /** One call: the service (cloudformation, lambda, or the JSON target's prefix), its action, the signed region, the body. */
    record Call(String service, String action, String region, String path, String body) {
    }

    /** An answer: the status, Lambda's X-Amz-Function-Error (or null), and the body. */
    record Answer(int status, String functionError, String body) {
        static Answer json(String body) {
            return new Answer(200, null, body);
        }

        static Answer error(String type, String message) {
            return new Answer(400, null, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
        }
    }

    private static final Pattern REGION = Pattern.compile("Credential=[^/]+/\\d{8}/([^/]+)/([^/]+)/aws4_request");

    private final HttpServer server;
    private final List<Call> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Function<String, Answer>> json = new ConcurrentHashMap<>();
    private volatile Function<String, Answer> lambda = payload -> Answer.error("ResourceNotFoundException", "no function");
    private volatile String stack;
    private volatile Map<String, String> outputs = Map.of();
    private volatile Map<String, String> parameters = Map.of();

    FakeAws() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** DescribeStacks of {@code name} answers these outputs and parameters; any other stack does not exist. */
    FakeAws stack(String name, Map<String, String> outputs, Map<String, String> parameters) {
        this.stack = name;
        this.outputs = new LinkedHashMap<>(outputs);
        this.parameters = new LinkedHashMap<>(parameters);
        return this;
    }

    /** A JSON-protocol action by its target, e.g. {@code AWSStepFunctions.StartExecution}: the request body to the answer. */
    FakeAws on(String target, Function<String, Answer> answer) {
        json.put(target, answer);
        return this;
    }

    /** Lambda Invoke, any function: the payload to the answer. */
    FakeAws lambda(Function<String, Answer> answer) {
        this.lambda = answer;
        return this;
    }

    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    List<Call> calls(String action) {
        return calls().stream().filter(c -> c.action().equals(action)).toList();
    }

    private void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String auth = x.getRequestHeaders().getFirst("Authorization");
        Matcher m = auth == null ? null : REGION.matcher(auth);
        String region = m != null && m.find() ? m.group(1) : null;
        String target = x.getRequestHeaders().getFirst("X-Amz-Target");
        String path = x.getRequestURI().getRawPath();
        try {
            if (target != null) {
                calls.add(new Call(target.substring(0, target.indexOf('.')), target.substring(target.indexOf('.') + 1), region, path, body));
                Function<String, Answer> a = json.get(target);
                reply(x, a != null ? a.apply(body) : Answer.error("UnknownOperationException", "not scripted: " + target),
                        target.startsWith("AWSStepFunctions") ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1");
            } else if (path.startsWith("/2015-03-31/functions/")) {
                calls.add(new Call("lambda", "Invoke", region, URLDecoder.decode(path, StandardCharsets.UTF_8), body));
                reply(x, lambda.apply(body), "application/json");
            } else if (body.contains("Action=DescribeStacks")) {
                calls.add(new Call("cloudformation", "DescribeStacks", region, path, body));
                describeStacks(x, body);
            } else {
                calls.add(new Call("unknown", x.getRequestMethod(), region, path, body));
                reply(x, Answer.error("UnknownOperationException", "not scripted: " + path), "application/json");
            }
        } catch (RuntimeException e) {
            reply(x, new Answer(500, null, "{\"__type\":\"InternalFailure\",\"message\":\"" + e + "\"}"), "application/json");
        }
    }

    private void describeStacks(HttpExchange x, String body) throws IOException {
        String name = null;
        for (String kv : body.split("&")) {
            if (kv.startsWith("StackName=")) name = URLDecoder.decode(kv.substring("StackName=".length()), StandardCharsets.UTF_8);
        }
        if (stack == null || !stack.equals(name)) {
            reply(x, new Answer(400, null, "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error>"
                    + "<Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id " + name + " does not exist</Message>"
                    + "</Error><RequestId>fake</RequestId></ErrorResponse>"), "text/xml");
            return;
        }
        StringBuilder s = new StringBuilder("<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
                + "<DescribeStacksResult><Stacks><member><StackName>" + name + "</StackName><StackId>arn:aws:cloudformation:us-east-1:1:stack/"
                + name + "/1</StackId><CreationTime>2026-12-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>");
        outputs.forEach((k, v) -> s.append("<member><OutputKey>").append(k).append("</OutputKey><OutputValue>").append(v)
                .append("</OutputValue></member>"));
        s.append("</Outputs><Parameters>");
        parameters.forEach((k, v) -> s.append("<member><ParameterKey>").append(k).append("</ParameterKey><ParameterValue>").append(v)
                .append("</ParameterValue></member>"));
        s.append("</Parameters></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake</RequestId>"
                + "</ResponseMetadata></DescribeStacksResponse>");
        reply(x, new Answer(200, null, s.toString()), "text/xml");
    }

    private static void reply(HttpExchange x, Answer a, String contentType) throws IOException {
        byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", contentType);
        x.getResponseHeaders().add("x-amzn-RequestId", "fake");
        if (a.functionError() != null) x.getResponseHeaders().add("X-Amz-Function-Error", a.functionError());
        x.sendResponseHeaders(a.status(), b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
