package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.key;
import static com.synapbackfill.ledger.LedgerTable.runPk;

import java.math.BigDecimal;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A run's credit cap ({@code --max-credits}): what is reserved, on an item of its own beside the run item. A reservation is
 * a conditional {@code ADD} that fails past the cap, so the fleet stops at its cap, never past.
 *
 * <p>The item's {@code reserved} is in thousandths of the cap's unit, as it always was, so items written before are read
 * as they are; it is now an exact decimal number (DynamoDB numbers are decimals of up to 38 digits, and {@code ADD} and
 * comparisons on them are exact): 100 documents at 0.0001 credits add 10 (thousandths), where they used to add nothing.
 */
final class LedgerCredits {
    private final DynamoDbClient dynamo;
    private final String table;

    LedgerCredits(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** The stored form: thousandths, exact, no exponent. */
    static AttributeValue thousandths(BigDecimal amount) {
        return AttributeValue.fromN(amount.movePointRight(3).stripTrailingZeros().toPlainString());
    }

    boolean reserve(String runId, BigDecimal amount, BigDecimal cap) {
        if (amount.compareTo(cap) > 0) return false;
        try {
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                    .updateExpression("ADD reserved :n")
                    .conditionExpression("attribute_not_exists(reserved) OR reserved <= :room")
                    .expressionAttributeValues(Map.of(":n", thousandths(amount), ":room", thousandths(cap.subtract(amount))))));
            return true;
        } catch (ConditionalCheckFailedException full) {
            return false;
        }
    }

    void release(String runId, BigDecimal amount) {
        if (amount.signum() == 0) return;
        LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .updateExpression("ADD reserved :n").expressionAttributeValues(Map.of(":n", thousandths(amount.negate())))));
    }

    void set(String runId, BigDecimal amount) {
        LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .updateExpression("SET reserved = :n").expressionAttributeValues(Map.of(":n", thousandths(amount)))));
    }

    BigDecimal reserved(String runId) {
        var item = LedgerCalls.call(() -> dynamo.getItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .consistentRead(true))).item();
        return item == null || !item.containsKey("reserved") ? BigDecimal.ZERO : new BigDecimal(item.get("reserved").n()).movePointLeft(3);
    }
}
