package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.config.Settings;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.planner.lambda.PlannerHandler;
import com.synapbackfill.report.S3ReportStore;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on real parts, through the handlers as Lambda invokes them: embedded PostgreSQL,
 * DynamoDB Local, ElasticMQ, s3mock and the Synap emulator over HTTP. Short invocation budgets force
 * continuations; three pollers work concurrently.
 */
public class PipelineIT {
    static final int ROWS = 20_000;
    static SynapEmulator emulator;
    static SyntheticHistory.Loaded loaded;
    static RealParts.Postgres pg;

    @BeforeAll
    static void setUp() {
        pg = RealParts.postgres();
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "pipeline_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(12));
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    static Map<String, String> env(String table) {
        return envFor(emulator, pg, table);
    }

    /** The functions' environment for a run against {@code emulator} and the embedded PostgreSQL. */
    public static Map<String, String> envFor(SynapEmulator emulator, RealParts.Postgres pg, String table) {
        Map<String, String> env = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, pg, table);
        env.put("SHARD_TARGET_ROWS", "2000");
        env.put("RATE_LIMIT_PER_MINUTE", "60000");
        env.put("SYNAP_CALL_TIMEOUT_MS", "5000");
        env.put("WORKER_RESERVE_MS", "1500");
        env.put("LEASE_SECONDS", "10");
        return env;
    }

    static LocalDeployment deployment(String name, String table) {
        return LocalDeployment.create(name, RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env(table));
    }

    static String invokePlanner(PlannerService planner, String json) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PlannerHandler(planner).handleRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), out,
                new LocalContext("PlannerFunction", 60_000));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void backfillsEveryValidRowExactlyOnceAndRecordsEveryBadRow() throws Exception {
        scenario(deployment("pipeline", "pipeline_turns"), "pipeline-1");
    }

    /** The end-to-end scenario on any deployment of the AWS parts (embedded here, LocalStack in LocalStackPipelineIT). */
    static void scenario(LocalDeployment d, String runId) throws Exception {
        emulator.clearDocuments();
        Settings settings = d.settings();
        PlannerService planner = PlannerComponents.create(settings, d.env(), d.aws(), Clock.systemUTC());
        JsonNode start = Json.MAPPER.readTree(invokePlanner(planner, "{\"action\":\"start\",\"runId\":\"" + runId + "\"}"));
        assertThat(start.get("shards").asInt()).as(start.toString()).isGreaterThanOrEqualTo(8);
        assertThat(start.get("status").asText()).isEqualTo("RUNNING");

        try (LocalEventSourceMapping esm = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                () -> new WorkerHandler(WorkerComponents.create(settings, d.env(), d.aws(), ShardWorker.CrashPoints.NONE,
                        Clock.systemUTC()).worker()),
                3, Duration.ofMillis(2_500), Duration.ofSeconds(30), Duration.ofSeconds(1)).start()) {
            waitUntilDone(planner, runId, Duration.ofMinutes(4));
        }

        DynamoDbLedger ledger = new DynamoDbLedger(d.aws().dynamo(), d.table(), Clock.systemUTC());
        RunState run = assertExactlyOnce(ledger, emulator, loaded, runId, ROWS);

        // the report agrees with the ledger
        JsonNode report = Json.MAPPER.readTree(invokePlanner(planner, "{\"action\":\"report\",\"runId\":\"" + runId + "\"}"));
        assertThat(report.get("invariantHolds").asBoolean()).isTrue();
        byte[] reportJson = new S3ReportStore(d.aws().s3(), d.bucket()).get("runs/" + runId + "/report.json").orElseThrow();
        JsonNode counts = Json.MAPPER.readTree(reportJson).get("counts");
        assertThat(counts.get("accepted").asLong()).isEqualTo(run.counters().accepted());
        assertThat(counts.get("failed").asLong()).isEqualTo(loaded.badRows());
    }

    /**
     * The run is COMPLETED, every valid row of {@code loaded} is in Synap exactly once and nothing else, every bad row
     * has one failure item with its reason, and the counters agree with the source and with Synap.
     */
    public static RunState assertExactlyOnce(com.synapbackfill.ledger.Ledger ledger, SynapEmulator emulator,
                                             SyntheticHistory.Loaded loaded, String runId, int rows) {
        RunState run = ledger.run(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);

        // every valid row exactly once in Synap; nothing else
        List<StoredDocument> docs = new ArrayList<>(emulator.documents());
        Set<String> sourceIds = docs.stream().map(doc -> doc.metadata().get("source_row_id").asText()).collect(Collectors.toSet());
        assertThat(docs).hasSize(loaded.validRows());
        assertThat(sourceIds).hasSize(loaded.validRows());
        Set<String> badIds = new HashSet<>();
        loaded.badByKind().values().forEach(badIds::addAll);
        assertThat(sourceIds).doesNotContainAnyElementsOf(badIds);
        assertThat(emulator.stats().updates()).isZero();

        // every bad row: one failure item with the right reason
        List<FailureRecord> failures = ledger.failures(runId, null, 10_000);
        assertThat(failures).hasSize(loaded.badRows());
        Map<String, Set<String>> byReason = new HashMap<>();
        for (FailureRecord f : failures) byReason.computeIfAbsent(f.errorClass(), k -> new HashSet<>()).add(f.sourceId());
        loaded.badByKind().forEach((kind, ids) -> assertThat(byReason.get("bad_row:" + kind)).containsExactlyInAnyOrderElementsOf(ids));

        // counters agree with the source and with Synap
        assertThat(run.counters().rowsRead()).isEqualTo(rows);
        assertThat(run.counters().accepted() + run.counters().alreadyPresent()).isEqualTo(loaded.validRows());
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
        return run;
    }

    /** Returns once no unfinished shard of the run holds a live lease (stopped workers' leases lapse), polling the ledger. */
    static void awaitLeasesLapsed(LocalDeployment d, String runId) throws InterruptedException {
        awaitLeasesLapsed(new com.synapbackfill.ledger.DynamoDbLedger(d.aws().dynamo(), d.table(), java.time.Clock.systemUTC()), runId);
    }

    static void awaitLeasesLapsed(com.synapbackfill.ledger.Ledger ledger, String runId) throws InterruptedException {
        await("leases of " + runId + " lapsed").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    long now = System.currentTimeMillis();
                    assertThat(ledger.unfinishedShards(runId, -1, 10_000).stream()
                            .filter(s -> s.leaseOwner() != null && s.leaseExpiresAtEpochMillis() >= now).count())
                            .as("live leases of %s", runId).isZero();
                });
    }

    static void waitUntilDone(PlannerService planner, String runId, Duration max) throws InterruptedException {
        await("run " + runId + " done or blocked").atMost(max).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> assertThat(planner.status(runId)).matches(s -> s.done() || s.blocked(), "done or blocked"));
    }
}
