package com.synapbackfill.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.ledger.LedgerTable;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The limit model in front of DynamoDB Local, through the real SDK (its retries off, so each refusal shows), on a
 * clock the test moves by hand: a transaction holds its items, another one on them is cancelled with
 * TransactionConflict, a plain write on them fails; an item's write units run out and refill at the model's rate.
 * Then the ledger under the model: every acknowledged step counted exactly once, whatever was refused.
 */
class DynamoDbLimitModelIT {
    static final String TABLE = "model-" + UUID.randomUUID().toString().substring(0, 8);

    static DynamoDbClient client(String endpoint, boolean retries) {
        var b = DynamoDbClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create());
        if (!retries) b.overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()));
        return b.build();
    }

    static {
        try (DynamoDbClient direct = client(RealParts.dynamo(), true)) {
            LedgerTable.createIfMissing(direct, TABLE);
        }
    }

    static Map<String, AttributeValue> key(String pk) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS("x"));
    }

    static TransactWriteItem add(String pk) {
        return TransactWriteItem.builder().update(Update.builder().tableName(TABLE).key(key(pk)).updateExpression("ADD n :one")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"))).build()).build();
    }

    static void plainAdd(DynamoDbClient c, String pk) {
        c.updateItem(r -> r.tableName(TABLE).key(key(pk)).updateExpression("ADD n :one")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"))));
    }

    @Test
    void aTransactionHoldsItsItemsForTheWindowAndAnotherOneOnThemIsCancelled() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (DynamoDbLimitModel model = DynamoDbLimitModel.start(RealParts.dynamo(), Duration.ofMillis(25), 1000, now::get);
             DynamoDbClient c = client(model.endpoint(), false)) {
            c.transactWriteItems(r -> r.transactItems(add("a"), add("b")));
            assertThatThrownBy(() -> c.transactWriteItems(r -> r.transactItems(add("c"), add("b"))))
                    .isInstanceOfSatisfying(TransactionCanceledException.class, e -> assertThat(
                            e.cancellationReasons().stream().map(CancellationReason::code).toList())
                            .containsExactly("None", "TransactionConflict"));
            assertThatThrownBy(() -> plainAdd(c, "a")).isInstanceOf(TransactionConflictException.class);
            plainAdd(c, "c"); // an item no transaction holds
            now.addAndGet(Duration.ofMillis(26).toNanos()); // the window has passed
            c.transactWriteItems(r -> r.transactItems(add("c"), add("b")));
            assertThat(model.stats()).isEqualTo(new DynamoDbLimitModel.Stats(2, 1, 0, 1, 1, 0));
            // what was refused never reached DynamoDB Local
            assertThat(c.getItem(r -> r.tableName(TABLE).key(key("b"))).item().get("n").n()).isEqualTo("2");
            assertThat(c.getItem(r -> r.tableName(TABLE).key(key("a"))).item().get("n").n()).isEqualTo("1");
        }
    }

    @Test
    void anItemsWriteUnitsRunOutAndRefillAtTheModelsRate() {
        AtomicLong now = new AtomicLong(0);
        try (DynamoDbLimitModel model = DynamoDbLimitModel.start(RealParts.dynamo(), Duration.ZERO, 3, now::get);
             DynamoDbClient c = client(model.endpoint(), false)) {
            for (int i = 0; i < 3; i++) plainAdd(c, "hot");
            assertThatThrownBy(() -> plainAdd(c, "hot")).isInstanceOf(ProvisionedThroughputExceededException.class);
            plainAdd(c, "cold"); // per item, not per table
            now.addAndGet(Duration.ofMillis(400).toNanos()); // 1.2 units back: one plain write (1), not a transactional one (2)
            assertThatThrownBy(() -> c.transactWriteItems(r -> r.transactItems(add("hot"))))
                    .isInstanceOfSatisfying(TransactionCanceledException.class, e -> assertThat(
                            e.cancellationReasons().get(0).code()).isEqualTo("ThrottlingError"));
            plainAdd(c, "hot");
            assertThat(model.stats()).isEqualTo(new DynamoDbLimitModel.Stats(0, 0, 1, 5, 0, 1));
        }
    }

    /**
     * The ledger alone through the model at 200 steps/s for 5 s, with the design before #33 (every step on one counter
     * item: the model cancels many) and with this one: each step acknowledged is counted exactly once either way,
     * and only the old design meets conflicts. (How many steps a second each achieves is the bench's figure.)
     */
    @Test
    void noStepIsLostOrDoubledUnderTheModelAndOnlyTheSharedCounterItemConflicts() throws Exception {
        try (DynamoDbLimitModel model = DynamoDbLimitModel.start(RealParts.dynamo(), Duration.ofMillis(25), 1000);
             DynamoDbClient c = client(model.endpoint(), true)) {
            LedgerLoad.Result before = LedgerLoad.run(c, model, TABLE, 1, 200, 5, 32);
            LedgerLoad.Result after = LedgerLoad.run(c, model, TABLE, DynamoDbLedger.PER_WORKER, 200, 5, 32);
            for (LedgerLoad.Result r : List.of(before, after)) {
                assertThat(r.steps()).as(r.toString()).isPositive();
                assertThat(r.lostOrDoubled()).as(r.toString()).isZero();
                assertThat(r.leaseConflicts()).as(r.toString()).isZero();
            }
            assertThat(before.model().transactionConflicts()).as(before.toString()).isPositive();
            assertThat(after.model().transactionConflicts()).as(after.toString()).isZero();
        }
    }
}
