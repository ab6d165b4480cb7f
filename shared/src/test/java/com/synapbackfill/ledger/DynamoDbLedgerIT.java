package com.synapbackfill.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.testing.MutableClock;
import com.synapbackfill.testing.TestAws;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The ledger contract on DynamoDB Local, plus races between 8 threads. */
class DynamoDbLedgerIT extends LedgerContract {
    static final com.synapbackfill.config.AwsClients AWS = TestAws.clients();
    static final DynamoDbClient DYNAMO = AWS.dynamo();
    static final String TABLE = TestAws.newTable(DYNAMO);

    @Override
    protected Ledger newLedger(MutableClock clock) {
        return new DynamoDbLedger(DYNAMO, TABLE, clock);
    }

    @Test
    void aCreditItemWrittenInWholeThousandthsIsReadAsItWasAndTakesExactDecimalsAfter() {
        planShards(1);
        // an item as runs recorded it before amounts were exact: 2,000 thousandths, an integer
        DYNAMO.putItem(r -> r.tableName(TABLE).item(java.util.Map.of("pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue
                .fromS(LedgerTable.runPk(runId)), "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(LedgerTable.CREDITS_SK),
                "reserved", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("2000"))));
        Ledger real = new DynamoDbLedger(DYNAMO, TABLE, Clock.systemUTC());
        assertThat(real.creditsReserved(runId)).isEqualByComparingTo("2");
        assertThat(real.reserveCredits(runId, new java.math.BigDecimal("0.0001"), new java.math.BigDecimal("2.0001"))).isTrue();
        assertThat(real.reserveCredits(runId, new java.math.BigDecimal("0.0001"), new java.math.BigDecimal("2.0001"))).isFalse();
        var item = DYNAMO.getItem(r -> r.tableName(TABLE).key(java.util.Map.of("pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue
                .fromS(LedgerTable.runPk(runId)), "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(LedgerTable.CREDITS_SK))))
                .item();
        assertThat(item.get("reserved").n()).as("still thousandths, now with a fraction").isEqualTo("2000.1");
    }

    @Test
    void exactlyOneOfEightThreadsWinsAFreeLease() throws Exception {
        planShards(1);
        Ledger real = new DynamoDbLedger(DYNAMO, TABLE, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String owner = "w" + i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    real.claim(runId, 0, owner, LEASE);
                    return true;
                } catch (LeaseConflictException e) {
                    return false;
                }
            }));
        }
        go.countDown();
        int wins = 0;
        for (Future<Boolean> f : results) if (f.get()) wins++;
        pool.shutdown();
        assertThat(wins).isEqualTo(1);
    }

    @Test
    void concurrentAdvancesOnOneShardNeverLoseOrDoubleCount() throws Exception {
        planShards(8);
        Ledger real = new DynamoDbLedger(DYNAMO, TABLE, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Void>> tasks = new ArrayList<>();
        // 8 workers each own a shard and advance 10 times: run counters (one hot item) must add up exactly
        for (int i = 0; i < 8; i++) {
            int shard = i;
            tasks.add(() -> {
                ShardState s = real.claim(runId, shard, "w" + shard, LEASE);
                for (int k = 1; k <= 10; k++) {
                    s = real.advance(s, Integer.toString(shard * 100 + k * 10), new Counters(10, 10, 0, 0, 0, 1, 0),
                            List.of(100L), k == 10, LEASE);
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(tasks)) f.get();
        pool.shutdown();
        assertThat(real.run(runId).orElseThrow().counters().rowsRead()).isEqualTo(800);
        assertThat(real.run(runId).orElseThrow().shardsDone()).isEqualTo(8);
    }

    @Test
    void noStepWritesTheRunItemAndEachCounterItemHasOneWriter() throws Exception {
        planShards(32);
        com.synapbackfill.config.DynamoDbCapacity meter = AWS.dynamoCapacity();
        Ledger real = new DynamoDbLedger(DYNAMO, TABLE, Clock.systemUTC());
        meter.meterItems();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<Void>> tasks = new ArrayList<>();
        // 8 workers take 4 shards each, 2 steps a shard: 64 steps (before #33 each wrote the run item: 64 writes to one item)
        for (int w = 0; w < 8; w++) {
            String owner = "w" + w;
            int first = w * 4;
            tasks.add(() -> {
                for (int shard = first; shard < first + 4; shard++) {
                    ShardState st = real.claim(runId, shard, owner, LEASE);
                    st = real.advance(st, Integer.toString(shard * 100 + 10), new Counters(10, 9, 0, 1, 0, 1, 0), List.of(120L), false, LEASE);
                    real.advance(st, Integer.toString(shard * 100 + 20), new Counters(10, 10, 0, 0, 0, 1, 0), List.of(90L), true, LEASE);
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(tasks)) f.get();
        pool.shutdown();
        com.synapbackfill.config.DynamoDbCapacity.Hottest hottest = meter.hottestItem();
        assertThat(meter.writesTo(LedgerTable.runPk(runId) + " " + LedgerTable.RUN_SK)).as("steps never write the run item").isZero();
        // a worker's counter item takes its 8 steps and no other worker's: the most any item takes is one worker's pace
        assertThat(meter.writesTo(LedgerTable.runPk(runId) + " " + LedgerTable.counterSk("w5"))).isEqualTo(8);
        assertThat(hottest.writesPerSecond()).as(hottest.toString()).isLessThanOrEqualTo(8);
        // and the totals, shards done and latency read back whole
        var run = real.run(runId).orElseThrow();
        assertThat(run.counters()).isEqualTo(new Counters(640, 608, 0, 32, 0, 64, 0));
        assertThat(run.shardsDone()).isEqualTo(32);
        // what a worker checks between batches is the run item alone: status and config, none of the workers' counter items
        var head = real.runHead(runId).orElseThrow();
        assertThat(head.status()).isEqualTo(run.status());
        assertThat(head.config()).isEqualTo(run.config());
        assertThat(head.shardsTotal()).isEqualTo(run.shardsTotal());
        assertThat(head.counters()).isEqualTo(Counters.ZERO);
        assertThat(head.shardsDone()).isZero();
        assertThat(real.runHead("no-such-run")).isEmpty();
        assertThat(real.latencyHistogram(runId).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(64);
        long minute = System.currentTimeMillis() / 60_000;
        assertThat(real.minutes(runId, minute - 2, minute + 1).stream().mapToLong(MinuteStats::handled).sum()).isEqualTo(640);
    }

    @Test
    void twoWorkersOnOneShardOneStopsWithAConflict() {
        planShards(1);
        ShardState a = ledger.claim(runId, 0, "a", LEASE);
        ShardState aAgain = ledger.claim(runId, 0, "a", LEASE); // a redelivered message in the same worker
        ShardState a1 = ledger.advance(aAgain, "10", new Counters(10, 10, 0, 0, 0, 1, 0), List.of(), false, LEASE);
        assertThat(a1.checkpoint()).isEqualTo("10");
        // the first copy's view is stale now
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ledger.advance(a, "20", Counters.ZERO, List.of(), false, LEASE))
                .isInstanceOf(LeaseConflictException.class);
    }

    /**
     * The run item names the release that started the run; a ledger of a newer schema is refused naming both releases,
     * never misread.
     */
    @Test
    void theRunItemNamesItsReleaseAndANewerSchemaIsRefusedNamingBoth() {
        ledger.createRun(newRun(runId));
        assertThat(ledger.run(runId).orElseThrow().writtenBy()).isEqualTo(com.synapbackfill.model.BuildInfo.version());
        var key = java.util.Map.of(LedgerTable.PARTITION_KEY, software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                LedgerTable.runPk(runId)), LedgerTable.SORT_KEY, software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(LedgerTable.RUN_SK));
        DYNAMO.updateItem(r -> r.tableName(TABLE).key(key).updateExpression("SET v = :v, #by = :by").expressionAttributeNames(java.util.Map.of("#by", "by"))
                .expressionAttributeValues(java.util.Map.of(":v", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN(
                        Integer.toString(LedgerTable.SCHEMA_VERSION + 1)), ":by", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("9.9.9"))));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ledger.run(runId)).hasMessageContaining("written by synap-backfill 9.9.9")
                .hasMessageContaining("this is synap-backfill " + com.synapbackfill.model.BuildInfo.version())
                .hasMessageContaining("operate this run with 9.9.9 or later");
    }
}
