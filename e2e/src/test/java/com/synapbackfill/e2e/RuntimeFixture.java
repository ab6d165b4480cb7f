package com.synapbackfill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.RunState;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What the runtime tests stand on: a Synap emulator, a local deployment (DynamoDB Local, ElasticMQ, s3mock), and both
 * shaded jars laid out as {@code sam build} lays them, each on the real Lambda Java runtime (RIE + the runtime interface
 * client) with the deployment's environment; and the SQS event source mapping's part, played with real SQS batches.
 */
final class RuntimeFixture implements AutoCloseable {
    final SynapEmulator emulator;
    final LocalDeployment deployment;
    final LambdaRuntime planner;
    final LambdaRuntime worker;

    private RuntimeFixture(SynapEmulator emulator, LocalDeployment deployment) {
        this.emulator = emulator;
        this.deployment = deployment;
        this.planner = LambdaRuntime.start("PlannerFunction", Tools.samLayout("PlannerFunction", "planner"),
                "com.synapbackfill.planner.lambda.PlannerHandler::handleRequest", deployment.env(), Duration.ofSeconds(900));
        this.worker = LambdaRuntime.start("WorkerFunction", Tools.samLayout("WorkerFunction", "worker"),
                "com.synapbackfill.worker.lambda.WorkerHandler::handleRequest", deployment.env(), Duration.ofSeconds(30));
    }

    /** An emulator without a rate limit, and a deployment {@code name} with the environment {@code env} gives for it. */
    static RuntimeFixture start(String name, Function<SynapEmulator, Map<String, String>> env) {
        SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        LocalDeployment deployment = LocalDeployment.create(name, RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env.apply(emulator));
        return new RuntimeFixture(emulator, deployment);
    }

    /** The function's answer to {@code payload}, which must not be a function error. */
    static JsonNode ok(LambdaRuntime fn, String payload) {
        LambdaRuntime.Answer a = fn.invoke(payload);
        assertThat(a.functionError()).as("function error for %s: %s%n%s", payload, a.body(), fn.logs()).isFalse();
        assertThat(a.httpStatus()).isEqualTo(200);
        return a.json();
    }

    /**
     * Feeds real SQS batches to the worker on the runtime until the planner says the run is done, deleting what the
     * worker did not return (as the event source mapping does with a partial batch response); the worker's invocations.
     */
    int work(String runId, Duration within) {
        String status = "{\"action\":\"status\",\"runId\":\"" + runId + "\"}";
        var sqs = deployment.aws().sqs();
        long deadline = System.currentTimeMillis() + within.toMillis();
        int invocations = 0;
        JsonNode last;
        while (!(last = ok(planner, status)).get("done").asBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                String logs = worker.logs();
                throw new AssertionError("run not done in " + within + ": " + last + "\nworker log (tail):\n"
                        + logs.substring(Math.max(0, logs.length() - 6_000)));
            }
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(deployment.queueUrl()).maxNumberOfMessages(2)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (batch.isEmpty()) continue;
            JsonNode answer = ok(worker, sqsEvent(batch));
            invocations++;
            Set<String> failed = new HashSet<>();
            answer.get("batchItemFailures").forEach(f -> failed.add(f.get("itemIdentifier").asText()));
            for (Message m : batch)
                if (!failed.contains(m.messageId())) sqs.deleteMessage(r -> r.queueUrl(deployment.queueUrl()).receiptHandle(m.receiptHandle()));
        }
        return invocations;
    }

    /** The run as the ledger holds it. */
    RunState run(String runId) {
        return new DynamoDbLedger(deployment.aws().dynamo(), deployment.table(), Clock.systemUTC()).run(runId).orElseThrow();
    }

    /** The documents Synap stored for the run. */
    List<StoredDocument> documents(String runId) {
        return emulator.documents().stream().filter(d -> d.metadata().get("run_id").asText().equals(runId)).toList();
    }

    /** The event Lambda's SQS event source mapping delivers for these messages. */
    static String sqsEvent(List<Message> messages) {
        ArrayNode records = Json.MAPPER.createArrayNode();
        for (Message m : messages) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId());
            r.put("receiptHandle", m.receiptHandle());
            r.put("body", m.body());
            ObjectNode attrs = r.putObject("attributes");
            m.attributesAsStrings().forEach(attrs::put);
            r.putObject("messageAttributes");
            r.put("md5OfBody", m.md5OfBody());
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:runtime-shards");
            r.put("awsRegion", "us-east-1");
        }
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.set("Records", records);
        return Json.write(event);
    }

    @Override
    public void close() {
        planner.close();
        worker.close();
        emulator.close();
    }
}
