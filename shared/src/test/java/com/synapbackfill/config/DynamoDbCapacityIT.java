package com.synapbackfill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.testing.TestAws;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** The capacity meter on DynamoDB Local: the units DynamoDB reports for each kind of call add up. */
class DynamoDbCapacityIT {
    @Test
    void addsUpTheUnitsDynamoDbReports() {
        AwsClients aws = TestAws.clients();
        DynamoDbClient dynamo = aws.dynamo();
        String table = TestAws.newTable(dynamo);
        DynamoDbCapacity.Totals before = aws.dynamoCapacity().totals();

        Map<String, AttributeValue> item = Map.of("pk", AttributeValue.fromS("run#cap"), "sk", AttributeValue.fromS("a"),
                "n", AttributeValue.fromN("1"));
        dynamo.putItem(r -> r.tableName(table).item(item));                                  // 1 write unit (< 1 KB)
        dynamo.getItem(r -> r.tableName(table).key(Map.of("pk", item.get("pk"), "sk", item.get("sk"))).consistentRead(true)); // 1 read unit
        // 2 items: DynamoDB Local answers 1 unit an item; AWS charges (and answers) 2 for a transactional write
        dynamo.transactWriteItems(r -> r.transactItems(
                TransactWriteItem.builder().put(Put.builder().tableName(table).item(Map.of("pk", AttributeValue.fromS("run#cap"),
                        "sk", AttributeValue.fromS("b"))).build()).build(),
                TransactWriteItem.builder().put(Put.builder().tableName(table).item(Map.of("pk", AttributeValue.fromS("run#cap"),
                        "sk", AttributeValue.fromS("c"))).build()).build()));
        assertThatThrownBy(() -> dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)")))
                .isInstanceOf(ConditionalCheckFailedException.class);

        DynamoDbCapacity.Totals used = aws.dynamoCapacity().totals().minus(before);
        assertThat(used.writeUnits()).isEqualTo(3.0);
        assertThat(aws.dynamoCapacity().byOperation()).containsEntry("TransactWriteItems", 2.0).containsEntry("PutItem", 1.0)
                .containsEntry("GetItem", 1.0);
        assertThat(used.readUnits()).isEqualTo(1.0);
        assertThat(used.calls()).isEqualTo(4);
        assertThat(used.failedCalls()).isEqualTo(1);
        assertThat(used.dollars()).isEqualTo(3 * 0.625e-6 + 1 * 0.125e-6, org.assertj.core.data.Offset.offset(1e-12));
    }
}
