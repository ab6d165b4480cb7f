package com.synapbackfill.planner.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.Turn;
import com.synapbackfill.planner.ConcurrencyTuner;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.queue.InMemoryShardQueue;
import com.synapbackfill.report.InMemoryReportStore;
import com.synapbackfill.source.SourceProfile;
import com.synapbackfill.testing.InMemoryTurnSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The planner handler fed the events/*.json fixtures (as sam local invoke sends them), on in-memory fakes. */
class PlannerHandlerTest {
    InMemoryLedger ledger;
    InMemoryShardQueue queue;
    InMemoryReportStore reports;
    List<Integer> tuned;
    PlannerHandler handler;

    /** A 100,000-row bigint table with dense ids, known only by its profile. */
    @BeforeEach
    void setUp() {
        ledger = new InMemoryLedger(Clock.systemUTC());
        queue = new InMemoryShardQueue();
        reports = new InMemoryReportStore();
        tuned = new ArrayList<>();
        ConcurrencyTuner tuner = c -> {
            tuned.add(c);
            return "esm-uuid";
        };
        handler = new PlannerHandler(new PlannerService(ledger, queue, src -> new InMemoryTurnSource(new SourceProfile(IdType.BIGINT, "1", "100000", 100_000), List.of()), reports, tuner,
                Optional.empty(), 1.5, Clock.systemUTC()));
    }

    JsonNode invoke(String json) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), out, null);
        return Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
    }

    static String event(String name) throws Exception {
        return Files.readString(Path.of("..", "events", name + ".json"));
    }

    @Test
    void startEventPlansEnqueuesAndIsIdempotent() throws Exception {
        JsonNode start = invoke(event("start"));
        assertThat(start.get("runId").asText()).isEqualTo("backfill-2026-11");
        // 20,000 rows per shard would give 5 shards for the 12 workers 600/min needs: cut to two shards per worker
        assertThat(start.get("shards").asInt()).isEqualTo(24); // 100,000 rows / ceil(100,000 / (2 × 12)) per shard
        assertThat(start.get("estimatedRows").asLong()).isEqualTo(100_000);
        assertThat(start.get("ceilingDocsPerSecond").asDouble()).isEqualTo(1000.0);
        assertThat(start.get("etaSeconds").asLong()).isEqualTo(100);
        assertThat(start.get("recommendedConcurrency").asInt()).isEqualTo(12); // ceil(10/s × (0.5 s + 0.25 s) × 1.5)
        assertThat(queue.sent()).extracting(ShardMessage::shardNo).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 24).boxed().toList());
        assertThat(ledger.run("backfill-2026-11").orElseThrow().config().source().table()).isEqualTo("public.turns");
        JsonNode again = invoke(event("start"));
        assertThat(again.get("created").asBoolean()).isFalse();
        assertThat(queue.sent()).hasSize(24);
    }

    @Test
    void aKeySynapRefusesAtTheChecksBeforeTheRunKeepsTheRunBlockedAndAResumeStartsIt() throws Exception {
        handler = new PlannerHandler(new PlannerService(ledger, queue, src -> new InMemoryTurnSource(new SourceProfile(IdType.BIGINT, "1",
                "100000", 100_000), List.of()), reports, c -> "esm-uuid", Optional.empty(), 1.5, Clock.systemUTC(),
                (config, documents, customerMapped) -> {
                    throw new com.synapbackfill.error.BlockedException(com.synapbackfill.error.BlockedException.Reason.AUTH,
                            "HTTP 403: key forbidden", 403);
                }));
        JsonNode start = invoke(event("start"));
        assertThat(start.get("status").asText()).isEqualTo("BLOCKED");
        assertThat(start.get("notes").get(0).asText()).contains("403").contains("resume");
        assertThat(queue.sent()).as("nothing enqueued for a key Synap refuses").isEmpty();
        JsonNode status = invoke(event("status"));
        assertThat(status.get("blocked").asBoolean()).isTrue();
        assertThat(status.get("reason").asText()).contains("403");
        JsonNode resumed = invoke(event("resume"));
        assertThat(resumed.get("status").asText()).isEqualTo("RUNNING");
        assertThat(resumed.get("shardsEnqueued").asInt()).isEqualTo(24);
        assertThat(queue.sent()).hasSize(24);
    }

    @Test
    void statusResumeReportAndTuneEventsAnswer() throws Exception {
        invoke(event("start"));
        JsonNode status = invoke(event("status"));
        assertThat(status.get("status").asText()).isEqualTo("RUNNING");
        assertThat(status.get("done").asBoolean()).isFalse();
        assertThat(status.get("shardsTotal").asInt()).isEqualTo(24);

        ledger.transition("backfill-2026-11", EnumSet.of(RunStatus.RUNNING), RunStatus.BLOCKED, "blocked_auth: 401");
        JsonNode blocked = invoke(event("status"));
        assertThat(blocked.get("blocked").asBoolean()).isTrue();
        assertThat(blocked.get("reason").asText()).contains("401");
        JsonNode resumed = invoke(event("resume"));
        assertThat(resumed.get("status").asText()).isEqualTo("RUNNING");
        assertThat(resumed.get("shardsEnqueued").asInt()).isEqualTo(24);

        JsonNode report = invoke(event("report"));
        assertThat(report.get("reportLocation").asText()).isEqualTo("memory://runs/backfill-2026-11/report.json");
        assertThat(reports.get("runs/backfill-2026-11/report.json")).isPresent();
        assertThat(reports.get("runs/backfill-2026-11/failures.jsonl")).isPresent();
        assertThat(report.get("pageLocation").asText()).isEqualTo("memory://runs/backfill-2026-11/report.html");
        assertThat(reports.get("runs/backfill-2026-11/report.html")).isPresent();

        JsonNode tune = invoke(event("tune"));
        assertThat(tune.get("applied").asBoolean()).isTrue();
        assertThat(tuned).containsExactly(tune.get("recommendedConcurrency").asInt());
    }

    @Test
    void unknownActionsAndFieldsAreClearErrors() {
        assertThatThrownBy(() -> invoke("{\"action\":\"launch\"}")).hasMessageContaining("launch").hasMessageContaining("start, resume, status, report, tune");
        assertThatThrownBy(() -> invoke("{\"action\":\"start\",\"batchsize\":50}")).hasMessageContaining("batchsize");
        assertThatThrownBy(() -> invoke("{\"action\":\"status\"}")).hasMessageContaining("runId");
        assertThatThrownBy(() -> invoke("{\"action\":\"start\",\"source\":{\"table\":\"t; DROP TABLE x\"}}")).hasMessageContaining("source.table");
        assertThatThrownBy(() -> invoke("{\"action\":\"start\",\"source\":{\"table\":\"t\"},\"batchSize\":500}")).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> invoke("{\"action\":\"status\",\"runId\":\"../../etc\"}")).hasMessageContaining("runId");
        assertThat(queue.sent()).isEmpty();
    }

    @Test
    void tuneSaysWhyItsAnswerIsNotTheFormulas() throws Exception {
        invoke(event("start").replace("\"rateLimitPerMinute\": 600", "\"rateLimitPerMinute\": 60000"));
        int shards = invoke(event("status")).get("shardsTotal").asInt();
        JsonNode tune = invoke(event("tune"));
        assertThat(tune.get("formulaConcurrency").asInt()).isEqualTo(1000).isGreaterThan(shards);
        assertThat(tune.get("recommendedConcurrency").asInt()).isEqualTo(shards);
        assertThat(tune.get("capReason").asText()).isEqualTo("capped at the run's " + shards + " shards (a shard is leased to one worker at a time)");
    }

    @Test
    void tuneClampsToLambdaLimits() {
        assertThat(ConcurrencyTuner.recommend(0.1, 0.1, 1)).isEqualTo(2);
        assertThat(ConcurrencyTuner.recommend(10_000, 1, 1)).isEqualTo(1000);
        assertThat(ConcurrencyTuner.recommend(10, 0.4, 1.5)).isEqualTo(10);
    }

    @Test
    void startingAnExistingRunAppliesANewRateLimitAndRefusesAnotherSource() throws Exception {
        invoke(event("start"));
        JsonNode raised = invoke(event("start").replace("\"rateLimitPerMinute\": 600", "\"rateLimitPerMinute\": 1200"));
        assertThat(raised.get("created").asBoolean()).isFalse();
        assertThat(raised.get("ceilingDocsPerSecond").asDouble()).isEqualTo(2000.0);
        assertThat(ledger.run("backfill-2026-11").orElseThrow().config().rateLimitPerMinute()).isEqualTo(1200);
        assertThat(queue.sent()).hasSize(24); // nothing planned or enqueued again
        assertThatThrownBy(() -> invoke(event("start").replace("2026-11-15T00:00:00Z", "2026-10-01T00:00:00Z")))
                .hasMessageContaining("exists with another source").hasMessageContaining("until is \"2026-11-15T00:00:00Z\", not \"2026-10-01T00:00:00Z\"");
        assertThat(ledger.run("backfill-2026-11").orElseThrow().config().source().until()).isEqualTo("2026-11-15T00:00:00Z");
    }
}
