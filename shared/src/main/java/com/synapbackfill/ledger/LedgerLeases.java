package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.key;
import static com.synapbackfill.ledger.LedgerItems.n;
import static com.synapbackfill.ledger.LedgerItems.s;
import static com.synapbackfill.ledger.LedgerItems.shardItem;
import static com.synapbackfill.ledger.LedgerItems.shardState;
import static com.synapbackfill.ledger.LedgerTable.SHARD_PREFIX;
import static com.synapbackfill.ledger.LedgerTable.runPk;
import static com.synapbackfill.ledger.LedgerTable.shardSk;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/** Shard items and their leases: read one, claim it, give it back, list them in pages. (A step's advance is the ledger's.) */
final class LedgerLeases {
    private final DynamoDbClient dynamo;
    private final String table;

    LedgerLeases(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    Optional<ShardState> shard(String runId, int shardNo) {
        Map<String, AttributeValue> item = LedgerCalls.call(() -> dynamo.getItem(r -> r.tableName(table)
                .key(key(runPk(runId), shardSk(shardNo))).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(shardState(runId, item));
    }

    /** Takes a shard's lease if it is free, expired or already {@code owner}'s; a DONE shard comes back as it is. */
    ShardState claim(String runId, int shardNo, String owner, Duration lease, long now) {
        try {
            UpdateItemResponse resp = LedgerCalls.call(() -> dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(key(runPk(runId), shardSk(shardNo)))
                    .updateExpression("SET leaseOwner = :o, leaseExpiresAt = :exp, #st = :inprog ADD attempts :one")
                    .conditionExpression("attribute_exists(pk) AND #st <> :done AND (attribute_not_exists(leaseOwner) "
                            + "OR leaseOwner = :o OR leaseExpiresAt < :now)")
                    .expressionAttributeNames(Map.of("#st", "status"))
                    .expressionAttributeValues(Map.of(":o", s(owner), ":exp", n(now + lease.toMillis()),
                            ":inprog", s(ShardStatus.IN_PROGRESS.name()), ":one", n(1), ":done", s(ShardStatus.DONE.name()),
                            ":now", n(now)))
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build()));
            return shardState(runId, resp.attributes());
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> old = e.item();
            if (old == null || old.isEmpty()) throw new LeaseConflictException("no shard " + shardNo + " in run " + runId, e);
            ShardState st = shardState(runId, old);
            if (st.status() == ShardStatus.DONE) return st;
            throw new LeaseConflictException("shard " + shardNo + " of " + runId + " is leased by " + st.leaseOwner()
                    + " until " + st.leaseExpiresAtEpochMillis(), e);
        }
    }

    /** Gives the lease back (the shard PENDING again); false if {@code owner} no longer holds it. */
    boolean release(String runId, int shardNo, String owner) {
        try {
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), shardSk(shardNo)))
                    .updateExpression("SET #st = :pending, leaseExpiresAt = :zero REMOVE leaseOwner")
                    .conditionExpression("leaseOwner = :o AND #st <> :done")
                    .expressionAttributeNames(Map.of("#st", "status"))
                    .expressionAttributeValues(Map.of(":pending", s(ShardStatus.PENDING.name()), ":zero", n(0),
                            ":o", s(owner), ":done", s(ShardStatus.DONE.name())))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** A page of shards after {@code after}: with {@code unfinishedOnly} DynamoDB filters after reading, so no page limit then. */
    List<ShardState> page(String runId, int after, int limit, boolean unfinishedOnly) {
        QueryRequest.Builder q = QueryRequest.builder().tableName(table)
                .exclusiveStartKey(after < 0 ? null : key(runPk(runId), shardSk(after)))
                .keyConditionExpression("pk = :pk AND sk BETWEEN :a AND :b");
        Map<String, AttributeValue> v = new HashMap<>(Map.of(":pk", s(runPk(runId)), ":a", s(SHARD_PREFIX), ":b", s(SHARD_PREFIX + "~")));
        if (unfinishedOnly) {
            q.filterExpression("#st <> :done").expressionAttributeNames(Map.of("#st", "status"));
            v.put(":done", s(ShardStatus.DONE.name()));
        } else {
            q.limit(limit);
        }
        QueryRequest req = q.expressionAttributeValues(v).build();
        return LedgerCalls.call(() -> dynamo.queryPaginator(req).items().stream().limit(limit).map(item -> shardState(runId, item))
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new)));
    }

    /** Writes the planned shard items, 25 a request, again what DynamoDB left unprocessed (after a back-off). */
    void put(List<ShardState> shards, LedgerCalls tx) {
        List<WriteRequest> pending = new ArrayList<>();
        for (ShardState st : shards) pending.add(WriteRequest.builder().putRequest(PutRequest.builder().item(shardItem(st)).build()).build());
        int attempt = 0;
        while (!pending.isEmpty()) {
            List<WriteRequest> retry = new ArrayList<>();
            for (int i = 0; i < pending.size(); i += 25) {
                List<WriteRequest> chunk = pending.subList(i, Math.min(pending.size(), i + 25));
                BatchWriteItemResponse resp = LedgerCalls.call(() -> dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, chunk))));
                retry.addAll(resp.unprocessedItems().getOrDefault(table, List.of()));
            }
            pending = retry;
            if (!pending.isEmpty()) tx.backoff(++attempt);
        }
    }

    /** Shard items of the run, counted by DynamoDB (no item read). */
    long count(String runId) {
        QueryRequest req = QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":pk", s(runPk(runId)), ":p", s(SHARD_PREFIX)))
                .select("COUNT").build();
        return LedgerCalls.call(() -> dynamo.queryPaginator(req).stream().mapToLong(QueryResponse::count).sum());
    }
}
