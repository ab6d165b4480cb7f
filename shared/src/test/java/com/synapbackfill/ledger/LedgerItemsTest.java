package com.synapbackfill.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import com.synapbackfill.model.Trouble;
import com.synapbackfill.source.MessageShape;
import com.synapbackfill.source.SourceConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The ledger's item codec without DynamoDB: every record survives its item, and the formats stay what they were. */
class LedgerItemsTest {
    static final Counters C = new Counters(100, 90, 3, 5, 2, 7, 1, 250);

    @Test
    void aRunSurvivesItsItemWithConfigCountersAndTrouble() {
        SourceConfig source = new SourceConfig("app.msgs", null, "deleted_at IS NULL", null, "2026-05-31T00:00:00Z", "UTC", null, null,
                MessageShape.of("columns", Map.of("text", "body#/parts"), List.of("customer"), null, List.of("threads.id=thread_id")));
        RunState run = new RunState("run-codec", RunStatus.BLOCKED, "blocked_auth: 401", RunConfig.builder(source).build(), IdType.TEXT,
                12_345, 7, 3, C, 1_000, 2_000, 0);
        Map<String, AttributeValue> item = LedgerItems.runItem(run);
        assertThat(item.get("pk").s()).isEqualTo("RUN#run-codec");
        assertThat(item.get("sk").s()).isEqualTo("RUN");
        assertThat(item.get("messages").n()).isEqualTo("250");
        // the item names the release that started the run (this one)
        assertThat(item.get("by").s()).isEqualTo(com.synapbackfill.model.BuildInfo.version());
        assertThat(LedgerItems.runState(item)).isEqualTo(run.withWrittenBy(com.synapbackfill.model.BuildInfo.version()));

        Map<String, AttributeValue> troubled = new HashMap<>(item);
        troubled.put("troubleSince", LedgerItems.n(5_000));
        troubled.put("troubleCalls", LedgerItems.n(4));
        troubled.put("troubleLast", LedgerItems.s("io_error: refused"));
        troubled.put("troubleAt", LedgerItems.n(6_000));
        assertThat(LedgerItems.runState(troubled).trouble()).isEqualTo(new Trouble(5_000, 4, "io_error: refused", 6_000));
    }

    @Test
    void aShardSurvivesItsItem() {
        ShardState st = new ShardState(new Shard("run-codec", 42, "abc", true, "abd", IdType.TEXT), ShardStatus.IN_PROGRESS, "3:abc",
                "worker-1", 99_000, 2, C);
        Map<String, AttributeValue> item = LedgerItems.shardItem(st);
        assertThat(item.get("sk").s()).isEqualTo("SHARD#00000042");
        assertThat(LedgerItems.shardState("run-codec", item)).isEqualTo(st);
        ShardState fresh = ShardState.pending(new Shard("run-codec", 0, "1", false, "9", IdType.BIGINT));
        assertThat(LedgerItems.shardState("run-codec", LedgerItems.shardItem(fresh))).isEqualTo(fresh);
    }

    @Test
    void aFailureSurvivesItsUpsertAndAnOldDashMeansNoMessage() {
        FailureRecord f = new FailureRecord("run-codec", "k1", "backfill:x:1", "17", 3, "bad_row:empty_text", 0, "", 1, 10, 20, false);
        Map<String, AttributeValue> v = LedgerItems.failureValues(f);
        assertThat(v.get(":msg").s()).as("an empty message is stored as it is").isEmpty();
        assertThat(LedgerItems.failureUpdate(f)).contains("documentId = :doc").endsWith("ADD attempts :one");
        // the item as DynamoDB holds it after the upsert
        Map<String, AttributeValue> item = new HashMap<>(LedgerItems.key(LedgerTable.failPk("run-codec"), "k1"));
        item.put("v", v.get(":v"));
        item.put("sourceId", v.get(":src"));
        item.put("shardNo", v.get(":shard"));
        item.put("errorClass", v.get(":cls"));
        item.put("httpStatus", v.get(":http"));
        item.put("message", v.get(":msg"));
        item.put("firstSeen", v.get(":first"));
        item.put("lastSeen", v.get(":last"));
        item.put("resolved", v.get(":no"));
        item.put("documentId", v.get(":doc"));
        item.put("attempts", LedgerItems.n(1));
        assertThat(LedgerItems.failureRecord("run-codec", item)).isEqualTo(f);
        item.put("message", LedgerItems.s("-"));
        assertThat(LedgerItems.failureRecord("run-codec", item).message()).isEmpty();
    }

    @Test
    void countersAreAddedByNameAndOnlyWhenNotZero() {
        Map<String, AttributeValue> values = new HashMap<>();
        assertThat(LedgerItems.addCounters(new Counters(10, 0, 0, 1, 0, 1, 0, 25), values))
                .isEqualTo(" ADD rowsRead :c0, failed :c3, calls :c5, messages :c7");
        assertThat(values).containsOnlyKeys(":c0", ":c3", ":c5", ":c7");
        assertThat(LedgerItems.addCounters(Counters.ZERO, new HashMap<>())).isEmpty();
        assertThat(LedgerItems.COUNTERS).hasSize(Counters.class.getRecordComponents().length);
    }

    @Test
    void anItemOfAnotherSchemaVersionIsRefused() {
        Map<String, AttributeValue> item = LedgerItems.shardItem(ShardState.pending(new Shard("run-codec", 0, "1", false, "9", IdType.BIGINT)));
        item.put("v", LedgerItems.n(2));
        assertThatThrownBy(() -> LedgerItems.shardState("run-codec", item)).hasMessageContaining("has ledger schema 2; this is synap-backfill " + com.synapbackfill.model.BuildInfo.version() + ", which reads schema 1");
    }
}
