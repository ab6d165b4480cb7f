package com.synapbackfill.ledger;

import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The ledger table's definition, in one place: the local creator uses it and the template consistency test
 * compares {@code template.yaml} against it.
 *
 * <pre>
 * one table, pk (S) + sk (S), on-demand, TTL on "ttl"
 *   run       pk = RUN#{runId}        sk = RUN
 *   shard     pk = RUN#{runId}        sk = SHARD#{shardNo:08d}
 *   counters  pk = RUN#{runId}        sk = RUN#CNT#{worker}          (counters, shardsDone, latency buckets: added by one worker's steps)
 *   minute    pk = RUN#{runId}        sk = MIN#{epochMinute}#{worker} (handled, accepted, failed, calls, 429s, retries, 5xx,
 *                                                                   latency buckets lat0..; TTL MINUTE_TTL_DAYS after its last write)
 *   credits   pk = RUN#{runId}        sk = CREDITS                   (reserved under a credit cap; runs with one only)
 *   failure   pk = RUN#{runId}#FAIL   sk = {document id | row:{source id}}
 *   rate      pk = RATE#{instance}    sk = PAUSE                       (the fleet's pause and rate factor, TTL)
 *   lane      pk = RATE#{instance}#L{nn}  sk = LANE                    (a limiter lane's next free slot, TTL; #33)
 *   run index pk = RUNS               sk = {createdAt:013d}#{runId}   (the ledger's runs, newest last)
 * </pre>
 */
public final class LedgerTable {
    public static final String PARTITION_KEY = "pk";
    public static final String SORT_KEY = "sk";
    public static final String TTL_ATTRIBUTE = "ttl";
    /**
     * How long a minute item outlives its last write: longer than any run (the report page draws a run's minutes), and
     * the report step copies them into report.json, which the bucket keeps.
     */
    public static final int MINUTE_TTL_DAYS = 90;
    /** Schema version written on every item; an item of another version is refused. */
    public static final int SCHEMA_VERSION = 1;

    // the keys of the layout above; every reader and writer of the table builds them here
    public static final String RUN_SK = "RUN";
    /** The credit cap's item: beside the run item, so a cap never adds a write to the run's own item. */
    public static final String CREDITS_SK = "CREDITS";
    public static final String RUNS_PK = "RUNS";
    public static final String SHARD_PREFIX = "SHARD#";
    public static final String MINUTE_PREFIX = "MIN#";
    /**
     * Counter items beside the run item ({@code RUN#CNT#<worker>}): a step adds to the one of the worker that takes
     * it (its lease owner, unique per container and thread), never to the run item (#33). A worker takes one step at
     * a time, so each counter item and minute part has one writer: no transaction ever waits on another worker's,
     * and an item's writes follow one worker's pace (a step per Synap call), not the fleet's. The run's totals are
     * the run item's plus these, read with the run item in one query ({@code begins_with(sk, "RUN")}): one item per
     * worker that took part, a page for a fleet of a thousand.
     */
    public static final String COUNTER_PREFIX = RUN_SK + "#CNT#";

    private LedgerTable() {
    }

    public static String runPk(String runId) {
        return "RUN#" + runId;
    }

    public static String failPk(String runId) {
        return "RUN#" + runId + "#FAIL";
    }

    public static String shardSk(int no) {
        return String.format(SHARD_PREFIX + "%08d", no);
    }

    public static String minuteSk(long epochMinute) {
        return MINUTE_PREFIX + epochMinute;
    }

    /** A minute's part written by one worker ({@code MIN#<minute>#<part>}). */
    public static String minuteSk(long epochMinute, String part) {
        return MINUTE_PREFIX + epochMinute + "#" + part;
    }

    /** The epoch minute of a minute item's sort key, with or without its part. */
    public static long minuteOf(String sk) {
        String rest = sk.substring(MINUTE_PREFIX.length());
        int hash = rest.indexOf('#');
        return Long.parseLong(hash < 0 ? rest : rest.substring(0, hash));
    }

    /** The counter item of the worker (lease owner) {@code part}: its steps add to it. */
    public static String counterSk(String part) {
        return COUNTER_PREFIX + part;
    }

    /** The limiter's partition for an Instance (or run) scope. */
    public static String ratePk(String scope) {
        return "RATE#" + scope;
    }

    /** A limiter lane: a partition key of its own, so the lanes' writes never share an item or a partition key. */
    public static String rateLanePk(String scope, int lane) {
        return String.format("RATE#%s#L%03d", scope, lane);
    }

    public static final String RATE_LANE_SK = "LANE";

    /** Key attributes as (name, type, key type) — what template.yaml must declare. */
    public static List<String[]> keySchema() {
        return List.of(new String[] {PARTITION_KEY, "S", "HASH"}, new String[] {SORT_KEY, "S", "RANGE"});
    }

    /** Creates the table (on-demand, TTL on) unless it exists. For DynamoDB Local and the CLI's embedded mode. */
    public static void createIfMissing(DynamoDbClient dynamo, String tableName) {
        try {
            dynamo.createTable(CreateTableRequest.builder().tableName(tableName)
                    .attributeDefinitions(
                            AttributeDefinition.builder().attributeName(PARTITION_KEY).attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName(SORT_KEY).attributeType(ScalarAttributeType.S).build())
                    .keySchema(
                            KeySchemaElement.builder().attributeName(PARTITION_KEY).keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName(SORT_KEY).keyType(KeyType.RANGE).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST).build());
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(tableName));
            dynamo.updateTimeToLive(UpdateTimeToLiveRequest.builder().tableName(tableName)
                    .timeToLiveSpecification(TimeToLiveSpecification.builder().attributeName(TTL_ATTRIBUTE).enabled(true).build())
                    .build());
        } catch (ResourceInUseException exists) {
            // already there
        }
    }
}
