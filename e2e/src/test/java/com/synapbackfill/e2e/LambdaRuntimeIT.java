package com.synapbackfill.e2e;

import static com.synapbackfill.e2e.RuntimeFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.RunStatus;
import java.nio.file.Files;
import java.time.Duration;
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
    static SyntheticHistory.Loaded loaded;
    static RuntimeFixture rt;

    @BeforeAll
    static void setUp() {
        RealParts.Postgres pg = RealParts.postgres();
        // events/start.json names public.turns
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(5));
        rt = RuntimeFixture.start("runtime", emulator -> {
            Map<String, String> env = new java.util.LinkedHashMap<>(com.synapbackfill.cli.PipelineIT.envFor(emulator, pg, "turns"));
            env.put("SHARD_TARGET_ROWS", "500");
            return env;
        });
    }

    @AfterAll
    static void tearDown() {
        if (rt != null) rt.close();
    }

    static String event(String name) throws Exception {
        return Files.readString(Tools.repo().resolve("events").resolve(name + ".json"));
    }

    @Test
    @Order(1)
    void plannerAnswersTheStartAndStatusEvents() throws Exception {
        LambdaRuntime planner = rt.planner;
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
        LambdaRuntime.Answer a = rt.planner.invoke("{\"action\":\"launch\"}");
        assertThat(a.functionError()).as(a.body()).isTrue();
        assertThat(a.json().get("errorMessage").asText()).contains("launch").contains("start, resume, status, report, tune");
    }

    @Test
    @Order(3)
    void workerWorksRealSqsBatchesToCompletion() throws Exception {
        int invocations = rt.work(RUN, Duration.ofMinutes(4));
        assertThat(invocations).isPositive();
        var run = rt.run(RUN);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
        List<StoredDocument> docs = List.copyOf(rt.emulator.documents());
        Set<String> sourceIds = docs.stream().map(d -> d.metadata().get("source_row_id").asText()).collect(Collectors.toSet());
        assertThat(docs).hasSize(loaded.validRows());
        assertThat(sourceIds).hasSize(loaded.validRows());

        JsonNode report = ok(rt.planner, event("report"));
        assertThat(report.get("invariantHolds").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.get("reportLocation").asText()).startsWith("s3://" + rt.deployment.bucket() + "/runs/" + RUN);
        JsonNode resumed = ok(rt.planner, event("resume"));
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
        JsonNode answer = ok(rt.worker, Json.write(event));
        // the fixture's shard message is for a finished run: acknowledged; the unreadable one comes back
        assertThat(answer.get("batchItemFailures")).hasSize(1);
        assertThat(answer.get("batchItemFailures").get(0).get("itemIdentifier").asText()).isEqualTo("unreadable-1");
    }
}
