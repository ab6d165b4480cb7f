package com.synapbackfill.worker.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.worker.HandlerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SQS handler fed the sam-local event fixture, plus the messages that must come back. */
class WorkerHandlerTest {
    static final ObjectMapper LAMBDA_JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static SQSEvent fixture() throws Exception {
        // the same shape Lambda's runtime deserializes: fields by their bean names
        var tree = LAMBDA_JSON.readTree(Files.readString(Path.of("..", "events", "sqs-shard.json")));
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (var r : tree.get("Records")) {
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId(r.get("messageId").asText());
            m.setBody(r.get("body").asText());
            m.setReceiptHandle(r.get("receiptHandle").asText());
            records.add(m);
        }
        event.setRecords(records);
        return event;
    }

    static SQSEvent.SQSMessage message(String id, String body) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        return m;
    }

    @Test
    void processesTheSamEventAndAcknowledgesIt() throws Exception {
        HandlerFixtures f = new HandlerFixtures("backfill-2026-11", 300);
        SQSBatchResponse resp = new WorkerHandler(f.worker).handleRequest(fixture(), f.context(60_000));
        assertThat(resp.getBatchItemFailures()).isEmpty();
        assertThat(f.synapStored()).hasSize(300);
        assertThat(f.ledger.run("backfill-2026-11").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void unreadableMessagesComeBackWithoutTakingTheOthersDown() throws Exception {
        HandlerFixtures f = new HandlerFixtures("backfill-2026-11", 50);
        SQSEvent event = fixture();
        List<SQSEvent.SQSMessage> records = new ArrayList<>(event.getRecords());
        records.add(0, message("bad-json", "{not json"));
        records.add(1, message("bad-version", "{\"schemaVersion\":9,\"runId\":\"backfill-2026-11\",\"shardNo\":0,\"continuation\":0}"));
        records.add(2, message("oversized", "{\"schemaVersion\":1,\"runId\":\"backfill-2026-11\",\"shardNo\":0,\"x\":\"" + "a".repeat(10_000) + "\"}"));
        records.add(3, message("unknown-field", "{\"schemaVersion\":1,\"runId\":\"backfill-2026-11\",\"shardNo\":0,\"evil\":1}"));
        event.setRecords(records);
        try (var log = com.synapbackfill.testing.LogCapture.of(WorkerHandler.class)) {
            SQSBatchResponse resp = new WorkerHandler(f.worker).handleRequest(event, f.context(60_000));
            assertThat(resp.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                    .containsExactly("bad-json", "bad-version", "oversized", "unknown-field");
            assertThat(log.messages(org.apache.logging.log4j.Level.ERROR)).hasSize(4)
                    .allMatch(m -> m.startsWith("unreadable shard message, returning it (DLQ after maxReceiveCount)"));
        }
        assertThat(f.synapStored()).hasSize(50);
    }

    @Test
    void messageOfARunThatIsNotRunningIsAcknowledgedAndDropped() throws Exception {
        HandlerFixtures f = new HandlerFixtures("backfill-2026-11", 10);
        f.ledger.transition("backfill-2026-11", EnumSet.of(RunStatus.RUNNING), RunStatus.PAUSED, null);
        SQSBatchResponse resp = new WorkerHandler(f.worker).handleRequest(fixture(), f.context(60_000));
        assertThat(resp.getBatchItemFailures()).isEmpty();
        assertThat(f.synapStored()).isEmpty();
    }

    @Test
    void anInvocationShorterThanTheReserveEndsTheRunNamingTheSettingsInsteadOfLoopingOnContinuations() throws Exception {
        HandlerFixtures f = new HandlerFixtures("backfill-2026-11", 10);
        SQSBatchResponse resp;
        try (var log = com.synapbackfill.testing.LogCapture.of(com.synapbackfill.worker.ShardWorker.class)) {
            resp = new WorkerHandler(f.worker).handleRequest(fixture(), f.context(500)); // reserve 1 s
            assertThat(log.messages(org.apache.logging.log4j.Level.ERROR)).singleElement().asString().contains("WORKER_RESERVE_MS");
        }
        assertThat(resp.getBatchItemFailures()).isEmpty();
        assertThat(f.synapStored()).isEmpty();
        assertThat(f.queue.size()).as("no continuation enqueued").isZero();
        var run = f.ledger.run("backfill-2026-11").orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.statusReason()).contains("WORKER_RESERVE_MS is 1000 ms").contains("Timeout");
    }

    @org.junit.jupiter.api.Test
    void anInterruptedWorkerIsNotAnErrorButAnythingElseIs() {
        RuntimeException stopping = new com.synapbackfill.error.RetryableException("ledger_unavailable", "DynamoDB unreachable: Thread was interrupted",
                0, null, software.amazon.awssdk.core.exception.AbortedException.builder().message("Thread was interrupted").build());
        assertThat(WorkerHandler.interrupted(stopping)).isTrue();
        assertThat(WorkerHandler.interrupted(new IllegalStateException("x", new InterruptedException()))).isTrue();
        assertThat(WorkerHandler.interrupted(new NullPointerException())).isFalse();
        assertThat(WorkerHandler.interrupted(new com.synapbackfill.error.RetryableException("ledger_unavailable", "DynamoDB unreachable: refused",
                0, null, new java.net.ConnectException("refused")))).isFalse();
    }
}
