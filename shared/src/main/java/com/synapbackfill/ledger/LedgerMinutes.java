package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.key;
import static com.synapbackfill.ledger.LedgerItems.n;
import static com.synapbackfill.ledger.LedgerItems.num;
import static com.synapbackfill.ledger.LedgerItems.s;
import static com.synapbackfill.ledger.LedgerItems.str;
import static com.synapbackfill.ledger.LedgerTable.minuteSk;
import static com.synapbackfill.ledger.LedgerTable.runPk;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * What a run did minute by minute: each worker adds its steps to its own part of the minute
 * ({@code MIN#<minute>#<worker>}, in the step's transaction); reading sums a minute's parts.
 */
final class LedgerMinutes {
    private static final long TTL_SECONDS = LedgerTable.MINUTE_TTL_DAYS * 24L * 3600;
    private static final String[] FIELDS = {"handled", "accepted", "failed", "calls", "throttled", "retries", "serverErrors"};

    private final DynamoDbClient dynamo;
    private final String table;

    LedgerMinutes(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Adds a step's share to its minute part (created on first write, TTL moved on with each). */
    Update update(String runId, MinuteStats m, String part, long now) {
        Map<String, AttributeValue> v = new HashMap<>();
        v.put(":v", n(LedgerTable.SCHEMA_VERSION));
        v.put(":ttl", n(now / 1000 + TTL_SECONDS));
        List<String> adds = new ArrayList<>();
        long[] fields = {m.handled(), m.accepted(), m.failed(), m.calls(), m.throttled(), m.retries(), m.serverErrors()};
        for (int i = 0; i < fields.length; i++) {
            if (fields[i] == 0) continue;
            adds.add(FIELDS[i] + " :" + FIELDS[i]);
            v.put(":" + FIELDS[i], n(fields[i]));
        }
        long[] lat = m.latency();
        for (int i = 0; i < lat.length; i++) {
            if (lat[i] == 0) continue;
            adds.add("lat" + i + " :lat" + i);
            v.put(":lat" + i, n(lat[i]));
        }
        return Update.builder().tableName(table).key(key(runPk(runId), minuteSk(m.minute(), part)))
                .updateExpression("SET v = :v, #ttl = :ttl ADD " + String.join(", ", adds))
                .expressionAttributeNames(Map.of("#ttl", LedgerTable.TTL_ATTRIBUTE)).expressionAttributeValues(v).build();
    }

    /** The minutes from {@code fromMinute} to {@code toMinute} that have any figure, each its parts summed. */
    List<MinuteStats> read(String runId, long fromMinute, long toMinute) {
        if (toMinute < fromMinute) return List.of();
        // a minute's parts (MIN#m#<worker>) and a minute item of an older version (MIN#m) sort between these bounds
        QueryRequest req = QueryRequest.builder().tableName(table).keyConditionExpression("pk = :pk AND sk BETWEEN :a AND :b")
                .expressionAttributeValues(Map.of(":pk", s(runPk(runId)), ":a", s(minuteSk(fromMinute)), ":b", s(minuteSk(toMinute) + "#~")))
                .build();
        TreeMap<Long, MinuteStats> merged = new TreeMap<>();
        for (MinuteStats m : LedgerCalls.call(() -> dynamo.queryPaginator(req).items().stream().map(LedgerMinutes::stats).toList()))
            merged.merge(m.minute(), m, MinuteStats::plus);
        return List.copyOf(merged.values());
    }

    /** Documents handled in each of the last {@code minutes} minutes up to {@code nowMillis}'s, oldest first. */
    List<Long> handledPerMinute(String runId, long nowMillis, int minutes) {
        long cur = nowMillis / 60_000;
        Map<Long, Long> found = new HashMap<>();
        for (MinuteStats m : read(runId, cur - minutes + 1, cur)) found.put(m.minute(), m.handled());
        List<Long> out = new ArrayList<>();
        for (long k = cur - minutes + 1; k <= cur; k++) out.add(found.getOrDefault(k, 0L));
        return out;
    }

    private static MinuteStats stats(Map<String, AttributeValue> item) {
        long[] lat = new long[MetricsLedger.LATENCY_BUCKETS_MS.length];
        for (int i = 0; i < lat.length; i++) lat[i] = num(item, "lat" + i);
        return new MinuteStats(LedgerTable.minuteOf(str(item, "sk")), num(item, "handled"),
                num(item, "accepted"), num(item, "failed"), num(item, "calls"), num(item, "throttled"), num(item, "retries"),
                num(item, "serverErrors"), lat);
    }
}
