package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.addCounters;
import static com.synapbackfill.ledger.LedgerItems.key;
import static com.synapbackfill.ledger.LedgerItems.n;
import static com.synapbackfill.ledger.LedgerItems.s;
import static com.synapbackfill.ledger.LedgerTable.runPk;
import static com.synapbackfill.ledger.LedgerTable.shardSk;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.Update;

/** The updates of a step's transaction: its shard's checkpoint and counters, and its worker's counter item. */
final class StepUpdates {
    private StepUpdates() {
    }

    /**
     * Moves the shard's checkpoint from what {@code current} read to {@code checkpoint} and adds {@code delta},
     * only while the lease is still {@code current}'s and the shard not done; the old item comes back on refusal.
     */
    static Update shard(String table, ShardState current, String checkpoint, Counters delta, boolean done,
                        long leaseUntil, long now) {
        Shard sh = current.shard();
        Map<String, AttributeValue> v = new HashMap<>();
        v.put(":now", n(now));
        v.put(":o", s(current.leaseOwner()));
        v.put(":done", s(ShardStatus.DONE.name()));
        StringBuilder set = new StringBuilder("SET updatedAt = :now");
        if (checkpoint != null) {
            set.append(", checkpoint = :to");
            v.put(":to", s(checkpoint));
        }
        String remove = "";
        if (done) {
            set.append(", #st = :done, leaseExpiresAt = :zero");
            v.put(":zero", n(0));
            remove = " REMOVE leaseOwner";
        } else {
            set.append(", leaseExpiresAt = :exp");
            v.put(":exp", n(leaseUntil));
        }
        String add = addCounters(delta, v);
        String cond = "leaseOwner = :o AND #st <> :done AND "
                + (current.checkpoint() == null ? "attribute_not_exists(checkpoint)" : "checkpoint = :from");
        if (current.checkpoint() != null) v.put(":from", s(current.checkpoint()));
        return Update.builder().tableName(table).key(key(runPk(sh.runId()), shardSk(sh.shardNo())))
                .updateExpression(set + remove + add).conditionExpression(cond)
                .expressionAttributeNames(Map.of("#st", "status")).expressionAttributeValues(v)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build();
    }

    /** Adds the step's counters, a shard done and its calls' latencies to the worker's counter item {@code part}. */
    static Update counters(String table, String runId, String part, Counters delta, CallStats calls, boolean done, long now) {
        Map<String, AttributeValue> v = new HashMap<>();
        v.put(":now", n(now));
        v.put(":v", n(LedgerTable.SCHEMA_VERSION));
        StringBuilder add = new StringBuilder(addCounters(delta, v));
        if (done) {
            add.append(add.length() == 0 ? " ADD " : ", ").append("shardsDone :one");
            v.put(":one", n(1));
        }
        long[] hist = new long[MetricsLedger.LATENCY_BUCKETS_MS.length];
        for (long l : calls.latenciesMillis()) hist[MetricsLedger.bucketOf(l)]++;
        for (int i = 0; i < hist.length; i++) {
            if (hist[i] > 0) {
                add.append(add.length() == 0 ? " ADD " : ", ").append("lat").append(i).append(" :l").append(i);
                v.put(":l" + i, n(hist[i]));
            }
        }
        return Update.builder().tableName(table).key(key(runPk(runId), LedgerTable.counterSk(part)))
                .updateExpression("SET updatedAt = :now, v = :v" + add).expressionAttributeValues(v).build();
    }
}
