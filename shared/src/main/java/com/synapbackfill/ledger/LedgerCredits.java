package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.key;
import static com.synapbackfill.ledger.LedgerItems.n;
import static com.synapbackfill.ledger.LedgerTable.runPk;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A run's credit cap ({@code --max-credits}): the credits reserved, in thousandths, on an item of its own beside the
 * run item. A reservation is a conditional {@code ADD} that fails past the cap, so the fleet stops at its cap, never past.
 */
final class LedgerCredits {
    private final DynamoDbClient dynamo;
    private final String table;

    LedgerCredits(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    boolean reserve(String runId, long milli, long capMilli) {
        if (milli > capMilli) return false;
        try {
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                    .updateExpression("ADD reserved :n")
                    .conditionExpression("attribute_not_exists(reserved) OR reserved <= :room")
                    .expressionAttributeValues(Map.of(":n", n(milli), ":room", n(capMilli - milli)))));
            return true;
        } catch (ConditionalCheckFailedException full) {
            return false;
        }
    }

    void release(String runId, long milli) {
        if (milli == 0) return;
        LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .updateExpression("ADD reserved :n").expressionAttributeValues(Map.of(":n", n(-milli)))));
    }

    void set(String runId, long milli) {
        LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .updateExpression("SET reserved = :n").expressionAttributeValues(Map.of(":n", n(milli)))));
    }

    long reserved(String runId) {
        var item = LedgerCalls.call(() -> dynamo.getItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .consistentRead(true))).item();
        return item == null || !item.containsKey("reserved") ? 0 : Long.parseLong(item.get("reserved").n());
    }
}
