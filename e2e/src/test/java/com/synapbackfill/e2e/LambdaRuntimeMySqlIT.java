package com.synapbackfill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.embedded.EmbeddedMariaDb;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.RunStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * A MySQL-family source through both shaded jars on the real Lambda Java runtime: the planner plans a MariaDB
 * table ({@code jdbc:mysql:}, MySQL Connector/J, as an Aurora MySQL stack would) and the worker reads it from
 * real SQS batches. Fails when a driver (or its {@code java.sql.Driver} service entry) is missing from a jar.
 */
class LambdaRuntimeMySqlIT {
    static final int ROWS = 2_000;
    static final String RUN = "mysql-runtime";
    static SynapEmulator emulator;
    static SyntheticHistory.Loaded loaded;
    static LocalDeployment deployment;
    static LambdaRuntime planner;
    static LambdaRuntime worker;

    @BeforeAll
    static void setUp() {
        EmbeddedMariaDb maria = RealParts.mariaDb();
        loaded = SyntheticHistory.load(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD, "rt_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(4).withTimestampWithZone(false));
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        Map<String, String> env = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, maria.mysqlJdbcUrl(),
                EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD, "rt_turns");
        env.put("SHARD_TARGET_ROWS", "400");
        env.put("RATE_LIMIT_PER_MINUTE", "60000");
        env.put("LEASE_SECONDS", "10");
        env.put("WORKER_RESERVE_MS", "1500"); // the 30 s test function: the default reserve (45 s) would not fit
        deployment = LocalDeployment.create("runtime-mysql", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
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

    @Test
    void aMariaDbTableIsPlannedAndWorkedToCompletionOnTheRealRuntime() throws Exception {
        String status = "{\"action\":\"status\",\"runId\":\"" + RUN + "\"}";
        JsonNode start = LambdaRuntimeIT.ok(planner, "{\"action\":\"start\",\"runId\":\"" + RUN + "\",\"source\":{\"table\":\"app.rt_turns\","
                + "\"timestampZone\":\"UTC\"}}");
        assertThat(start.get("status").asText()).as(start.toString()).isEqualTo("RUNNING");
        assertThat(start.get("shards").asInt()).isGreaterThanOrEqualTo(4);
        var sqs = deployment.aws().sqs();
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(2).toMillis();
        JsonNode last = null;
        while (!(last = LambdaRuntimeIT.ok(planner, status)).get("done").asBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                String logs = worker.logs();
                throw new AssertionError("run not done in 2 min: " + last + "\nworker log (tail):\n" + logs.substring(Math.max(0, logs.length() - 6_000)));
            }
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(deployment.queueUrl()).maxNumberOfMessages(2)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (batch.isEmpty()) continue;
            JsonNode answer = LambdaRuntimeIT.ok(worker, LambdaRuntimeIT.sqsEvent(batch));
            Set<String> failed = new HashSet<>();
            answer.get("batchItemFailures").forEach(f -> failed.add(f.get("itemIdentifier").asText()));
            for (Message m : batch)
                if (!failed.contains(m.messageId())) sqs.deleteMessage(r -> r.queueUrl(deployment.queueUrl()).receiptHandle(m.receiptHandle()));
        }
        var run = new DynamoDbLedger(deployment.aws().dynamo(), deployment.table(), Clock.systemUTC()).run(RUN).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
        List<StoredDocument> docs = List.copyOf(emulator.documents());
        assertThat(docs).hasSize(loaded.validRows());
        assertThat(docs.stream().map(d -> d.metadata().get("source_row_id").asText()).collect(Collectors.toSet())).hasSize(loaded.validRows());
    }
}
