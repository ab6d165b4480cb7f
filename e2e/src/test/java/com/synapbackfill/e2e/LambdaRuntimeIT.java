package com.synapbackfill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.RunStatus;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Both shaded jars on the real Lambda Java runtime (RIE + the runtime interface client), laid out as
 * {@code sam build} lays them, fed {@code events/*.json} and real SQS batches: the shard messages the planner
 * enqueued on ElasticMQ, wrapped as Lambda's SQS event source mapping wraps them. This is the test that fails
 * when the artifact lacks a class the runtime's own event deserializer needs (joda-time, once).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LambdaRuntimeIT {
    static final int ROWS = 3_000;
    static final String RUN = "backfill-2026-11"; // the run id of events/*.json
    static SynapEmulator emulator;
    static SyntheticHistory.Loaded loaded;
    static LocalDeployment deployment;
    static LambdaRuntime planner;
    static LambdaRuntime worker;

    @BeforeAll
    static void setUp() {
        RealParts.Postgres pg = RealParts.postgres();
        // events/start.json names public.turns
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(5));
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        Map<String, String> env = new java.util.LinkedHashMap<>(com.synapbackfill.cli.PipelineIT.envFor(emulator, pg, "turns"));
        env.put("SHARD_TARGET_ROWS", "500");
        deployment = LocalDeployment.create("runtime", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
        planner = LambdaRuntime.start("PlannerFunction", Tools.samLayout("PlannerFunction", "planner"),
                "com.synapbackfill.planner.lambda.PlannerHandler::handleRequest", deployment.env(), Duration.ofSeconds(900));
        worker = LambdaRuntime.start("WorkerFunction", Tools.samLayout("WorkerFunction", "worker"),
                "com.synapbackfill.worker.lambda.WorkerHandler::handleRequest", deployment.env(), Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        if (planner != null) planner.close();
        if (worker != null) worker.close();
        if (emulator != null) emulator.close();
    }

    static String event(String name) throws Exception {
        return Files.readString(Tools.repo().resolve("events").resolve(name + ".json"));
    }

    static JsonNode ok(LambdaRuntime fn, String payload) {
        LambdaRuntime.Answer a = fn.invoke(payload);
        assertThat(a.functionError()).as("function error for %s: %s%n%s", payload, a.body(), fn.logs()).isFalse();
        assertThat(a.httpStatus()).isEqualTo(200);
        return a.json();
    }

    @Test
    @Order(1)
    void plannerAnswersTheStartAndStatusEvents() throws Exception {
        JsonNode start = ok(planner, event("start"));
        assertThat(start.get("runId").asText()).isEqualTo(RUN);
        assertThat(start.get("status").asText()).isEqualTo("RUNNING");
        assertThat(start.get("shards").asInt()).isGreaterThanOrEqualTo(6);
        JsonNode status = ok(planner, event("status"));
        assertThat(status.get("status").asText()).isEqualTo("RUNNING");
        assertThat(status.get("shardsTotal").asInt()).isEqualTo(start.get("shards").asInt());
        // the dry run of tune (applying it needs an event source mapping: the LocalStack stack test does that)
        JsonNode tune = ok(planner, "{\"action\":\"tune\",\"runId\":\"" + RUN + "\",\"apply\":false}");
        assertThat(tune.get("recommendedConcurrency").asInt()).isBetween(2, 1000);
    }

    @Test
    @Order(2)
    void aPlannerErrorIsAFunctionErrorDocument() {
        LambdaRuntime.Answer a = planner.invoke("{\"action\":\"launch\"}");
        assertThat(a.functionError()).as(a.body()).isTrue();
        assertThat(a.json().get("errorMessage").asText()).contains("launch").contains("start, resume, status, report, tune");
    }

    @Test
    @Order(3)
    void workerWorksRealSqsBatchesToCompletion() throws Exception {
        var sqs = deployment.aws().sqs();
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(4).toMillis();
        int invocations = 0;
        while (!ok(planner, event("status")).get("done").asBoolean()) {
            assertThat(System.currentTimeMillis()).as("run not done in 4 min").isLessThan(deadline);
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(deployment.queueUrl()).maxNumberOfMessages(2)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (batch.isEmpty()) continue;
            JsonNode answer = ok(worker, sqsEvent(batch));
            invocations++;
            Set<String> failed = new HashSet<>();
            answer.get("batchItemFailures").forEach(f -> failed.add(f.get("itemIdentifier").asText()));
            // what the event source mapping does with a partial batch response: delete the rest
            for (Message m : batch)
                if (!failed.contains(m.messageId())) sqs.deleteMessage(r -> r.queueUrl(deployment.queueUrl()).receiptHandle(m.receiptHandle()));
        }
        assertThat(invocations).isPositive();
        var run = new DynamoDbLedger(deployment.aws().dynamo(), deployment.table(), Clock.systemUTC()).run(RUN).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
        List<StoredDocument> docs = List.copyOf(emulator.documents());
        Set<String> sourceIds = docs.stream().map(d -> d.metadata().get("source_row_id").asText()).collect(Collectors.toSet());
        assertThat(docs).hasSize(loaded.validRows());
        assertThat(sourceIds).hasSize(loaded.validRows());

        JsonNode report = ok(planner, event("report"));
        assertThat(report.get("invariantHolds").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.get("reportLocation").asText()).startsWith("s3://" + deployment.bucket() + "/runs/" + RUN);
        JsonNode resumed = ok(planner, event("resume"));
        assertThat(resumed.get("runId").asText()).isEqualTo(RUN);
    }

    @Test
    @Order(4)
    void anUnreadableMessageIsReturnedAndTheOthersAreNot() throws Exception {
        ObjectNode event = (ObjectNode) Json.MAPPER.readTree(event("sqs-shard"));
        ArrayNode records = (ArrayNode) event.get("Records");
        ObjectNode bad = records.get(0).deepCopy();
        bad.put("messageId", "unreadable-1");
        bad.put("body", "{\"schemaVersion\":99}");
        records.add(bad);
        JsonNode answer = ok(worker, Json.write(event));
        // the fixture's shard message is for a finished run: acknowledged; the unreadable one comes back
        assertThat(answer.get("batchItemFailures")).hasSize(1);
        assertThat(answer.get("batchItemFailures").get(0).get("itemIdentifier").asText()).isEqualTo("unreadable-1");
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

}
