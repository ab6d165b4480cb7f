package com.synapbackfill.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One function on the real Lambda Java runtime, started as Lambda's {@code /var/runtime/bootstrap} starts it:
 * AWS's Runtime Interface Emulator runs {@code java -cp <runtime interface client> ...AWSLambda <handler>} with
 * {@code LAMBDA_TASK_ROOT} at the function's {@code sam build} directory. The runtime client loads the handler
 * from {@code lib/*.jar} there and decodes events with its own serializer, exactly as in an account.
 * Invoked over the Lambda Invoke HTTP API that RIE serves.
 */
final class LambdaRuntime implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Process process;
    private final URI invokeUri;
    private final Path log;

    /** What an invocation answered. RIE sets no {@code X-Amz-Function-Error}: an error is an error document. */
    record Answer(int httpStatus, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        boolean functionError() {
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(body);
            } catch (IOException e) {
                return false;
            }
            return n != null && n.isObject() && n.has("errorType") && n.has("errorMessage");
        }

        String errorType() {
            return functionError() ? json().get("errorType").asText() : null;
        }
    }

    private LambdaRuntime(Process process, URI invokeUri, Path log) {
        this.process = process;
        this.invokeUri = invokeUri;
        this.log = log;
    }

    /**
     * @param taskRoot   the function's code directory ({@code lib/<jar>})
     * @param handler    the template's Handler
     * @param env        the function's environment (the template's variables; Lambda adds its own)
     * @param timeout    the function's timeout (RIE enforces it and the context's remaining time counts down from it)
     */
    static LambdaRuntime start(String name, Path taskRoot, String handler, Map<String, String> env, Duration timeout) {
        int port = Tools.freePort();
        int apiPort = Tools.freePort(); // RIE's runtime API: never its default 9001, two functions may run at once
        List<String> cmd = new ArrayList<>(List.of(Tools.rie().toString(),
                "--runtime-interface-emulator-address", "127.0.0.1:" + port,
                "--runtime-api-address", "127.0.0.1:" + apiPort,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx512m",
                "-cp", Tools.ricClasspath() + "/*",
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", handler));
        try {
            Path log = Files.createTempFile(Tools.target(), name + "-", ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(taskRoot.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> e = pb.environment();
            e.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SYNAP_") || k.startsWith("SOURCE_"));
            e.put("AWS_REGION", "us-east-1");
            e.put("AWS_DEFAULT_REGION", "us-east-1");
            e.put("AWS_ACCESS_KEY_ID", "test");
            e.put("AWS_SECRET_ACCESS_KEY", "test");
            e.put("AWS_SESSION_TOKEN", "test");
            e.put("AWS_EC2_METADATA_DISABLED", "true");
            e.put("AWS_LAMBDA_FUNCTION_NAME", name);
            e.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
            e.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Long.toString(timeout.toSeconds()));
            e.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            e.put("LAMBDA_RUNTIME_DIR", Tools.ricClasspath().toString());
            e.put("TZ", ":UTC");
            e.putAll(env);
            Process p = pb.start();
            LambdaRuntime rt = new LambdaRuntime(p, URI.create("http://127.0.0.1:" + port + "/2015-03-31/functions/function/invocations"), log);
            rt.awaitListening(port);
            return rt;
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void awaitListening(int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("aws-lambda-rie exited: " + logs());
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        throw new IllegalStateException("aws-lambda-rie not listening after 20 s: " + logs());
    }

    Answer invoke(String payload) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(invokeUri).timeout(Duration.ofMinutes(5))
                    .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException("invoke failed: " + e + "\n" + logs(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Everything the emulator and the function printed so far. */
    String logs() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
