package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.addCounters;
import static com.synapbackfill.ledger.LedgerItems.b;
import static com.synapbackfill.ledger.LedgerItems.failureRecord;
import static com.synapbackfill.ledger.LedgerItems.failureUpdate;
import static com.synapbackfill.ledger.LedgerItems.failureValues;
import static com.synapbackfill.ledger.LedgerItems.key;
import static com.synapbackfill.ledger.LedgerItems.n;
import static com.synapbackfill.ledger.LedgerItems.s;
import static com.synapbackfill.ledger.LedgerTable.RUN_SK;
import static com.synapbackfill.ledger.LedgerTable.failPk;
import static com.synapbackfill.ledger.LedgerTable.runPk;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/** A run's failure items ({@code RUN#<id>#FAIL}): recorded as upserts, resolved once, listed in pages. */
final class LedgerFailures {
    private final DynamoDbClient dynamo;
    private final String table;
    private final LedgerCalls tx;

    LedgerFailures(DynamoDbClient dynamo, String table, LedgerCalls tx) {
        this.dynamo = dynamo;
        this.table = table;
        this.tx = tx;
    }

    void record(List<FailureRecord> failures) {
        // one item per key: a transaction of up to 100 upserts, each raising attempts on a repeat
        Map<String, FailureRecord> unique = new LinkedHashMap<>();
        for (FailureRecord f : failures) unique.put(f.runId() + '\u0000' + f.key(), f);
        List<FailureRecord> list = new ArrayList<>(unique.values());
        for (int i = 0; i < list.size(); i += 100) {
            List<TransactWriteItem> items = new ArrayList<>();
            for (FailureRecord f : list.subList(i, Math.min(list.size(), i + 100))) {
                items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                        .key(key(failPk(f.runId()), f.key())).updateExpression(failureUpdate(f))
                        .expressionAttributeValues(failureValues(f)).build()).build());
            }
            tx.transact(items, "failure items", (reasons, e) -> null); // upserts without conditions: only conflicts, retried
        }
    }

    /** Marks a failure resolved and adds {@code delta} to the run, once: false if it was resolved already. */
    boolean resolve(String runId, String key, Counters delta, long now) {
        Map<String, AttributeValue> rv = new HashMap<>();
        rv.put(":now", n(now));
        String radd = addCounters(delta, rv);
        List<TransactWriteItem> items = List.of(
                TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(failPk(runId), key))
                        .updateExpression("SET resolved = :yes, lastSeen = :now")
                        .conditionExpression("attribute_exists(pk) AND resolved = :no")
                        .expressionAttributeValues(Map.of(":yes", b(true), ":no", b(false), ":now", n(now))).build()).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(runPk(runId), RUN_SK))
                        .updateExpression("SET updatedAt = :now" + radd).conditionExpression("attribute_exists(pk)")
                        .expressionAttributeValues(rv).build()).build());
        return tx.transact(items, "resolving a failure", (reasons, e) -> {
            if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) return false; // resolved already
            if (reasons.size() > 1 && "ConditionalCheckFailed".equals(reasons.get(1).code()))
                throw new IllegalArgumentException("runId: no run \"" + runId + "\" in the ledger");
            return null;
        });
    }

    List<FailureRecord> page(String runId, String afterKey, int limit) {
        QueryRequest req = QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(failPk(runId))))
                .exclusiveStartKey(afterKey == null ? null : key(failPk(runId), afterKey)).limit(limit).build();
        return LedgerCalls.call(() -> dynamo.queryPaginator(req).items().stream().limit(limit).map(item -> failureRecord(runId, item))
                .collect(Collectors.toCollection(ArrayList::new)));
    }
}
