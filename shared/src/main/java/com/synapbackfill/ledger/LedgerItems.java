package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerTable.*;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import com.synapbackfill.model.Trouble;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The ledger's item codec, apart from its operations ({@link DynamoDbLedger}): key formats, attribute helpers, and
 * each record to and from its item. Pure: {@code LedgerItemsTest} checks every round trip without DynamoDB.
 * The counters' attribute names and accessors are listed once, here ({@link #COUNTERS}).
 */
final class LedgerItems {
    private LedgerItems() {
    }

    // ---------------------------------------------------------------- keys (their formats: LedgerTable)

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(LedgerTable.PARTITION_KEY, s(pk), LedgerTable.SORT_KEY, s(sk));
    }

    // ---------------------------------------------------------------- attributes

    static AttributeValue s(String v) { return AttributeValue.fromS(v); }
    static AttributeValue n(long v) { return AttributeValue.fromN(Long.toString(v)); }
    static AttributeValue b(boolean v) { return AttributeValue.fromBool(v); }

    static String str(Map<String, AttributeValue> item, String k) {
        AttributeValue v = item.get(k);
        return v == null || v.s() == null ? null : v.s();
    }

    static long num(Map<String, AttributeValue> item, String k) {
        AttributeValue v = item.get(k);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    static boolean bool(Map<String, AttributeValue> item, String k) {
        AttributeValue v = item.get(k);
        return v != null && Boolean.TRUE.equals(v.bool());
    }

    static void checkVersion(Map<String, AttributeValue> item) {
        long v = num(item, "v");
        if (v != LedgerTable.SCHEMA_VERSION) {
            String by = str(item, "by");
            throw new IllegalStateException("ledger item " + str(item, "pk") + "/" + str(item, "sk") + " has ledger schema " + v
                    + (by == null ? "" : ", written by synap-backfill " + by) + "; this is synap-backfill " + com.synapbackfill.model.BuildInfo.version()
                    + ", which reads schema " + LedgerTable.SCHEMA_VERSION + (v > LedgerTable.SCHEMA_VERSION
                    ? ": operate this run with " + (by == null ? "the release that started it" : by) + " or later" : ""));
        }
    }

    // ---------------------------------------------------------------- counters

    /** A counter's attribute and accessor. */
    record Counter(String attribute, ToLongFunction<Counters> value) {
    }

    /** Every counter, in the order of {@link Counters}' components. */
    static final List<Counter> COUNTERS = List.of(new Counter("rowsRead", Counters::rowsRead), new Counter("accepted", Counters::accepted),
            new Counter("alreadyPresent", Counters::alreadyPresent), new Counter("failed", Counters::failed),
            new Counter("skipped", Counters::skipped), new Counter("calls", Counters::calls), new Counter("throttled", Counters::throttled),
            new Counter("messages", Counters::messages), new Counter("withoutConversation", Counters::withoutConversation));

    static Counters counters(Map<String, AttributeValue> item) {
        long[] v = new long[COUNTERS.size()];
        for (int i = 0; i < v.length; i++) v[i] = num(item, COUNTERS.get(i).attribute());
        return new Counters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    static void putCounters(Map<String, AttributeValue> item, Counters c) {
        for (Counter k : COUNTERS) item.put(k.attribute(), n(k.value().applyAsLong(c)));
    }

    /** " ADD rowsRead :c0, failed :c3" for the non-zero counters of {@code delta}, their values put into {@code values}. */
    static String addCounters(Counters delta, Map<String, AttributeValue> values) {
        StringBuilder add = new StringBuilder();
        for (int i = 0; i < COUNTERS.size(); i++) {
            long d = COUNTERS.get(i).value().applyAsLong(delta);
            if (d != 0) {
                add.append(add.length() == 0 ? " ADD " : ", ").append(COUNTERS.get(i).attribute()).append(" :c").append(i);
                values.put(":c" + i, n(d));
            }
        }
        return add.toString();
    }

    // ---------------------------------------------------------------- runs

    static Map<String, AttributeValue> runItem(RunState run) {
        Map<String, AttributeValue> item = new HashMap<>(key(runPk(run.runId()), RUN_SK));
        item.put("v", n(LedgerTable.SCHEMA_VERSION));
        // the release that started the run: a later one that cannot read the ledger names it
        item.put("by", s(run.writtenBy() != null ? run.writtenBy() : com.synapbackfill.model.BuildInfo.version()));
        item.put("runId", s(run.runId()));
        item.put("status", s(run.status().name()));
        if (run.statusReason() != null) item.put("reason", s(run.statusReason()));
        item.put("config", s(Json.write(run.config())));
        if (run.idType() != null) item.put("idType", s(run.idType().name()));
        item.put("estimatedRows", n(run.estimatedRows()));
        item.put("shardsTotal", n(run.shardsTotal()));
        item.put("shardsDone", n(run.shardsDone()));
        putCounters(item, run.counters());
        item.put("createdAt", n(run.createdAtEpochMillis()));
        item.put("updatedAt", n(run.updatedAtEpochMillis()));
        if (run.completedAtEpochMillis() != 0) item.put("completedAt", n(run.completedAtEpochMillis()));
        if (run.runningSinceEpochMillis() != 0) item.put("runningSince", n(run.runningSinceEpochMillis()));
        return item;
    }

    static RunState runState(Map<String, AttributeValue> item) {
        checkVersion(item);
        return new RunState(str(item, "runId"), RunStatus.valueOf(str(item, "status")), str(item, "reason"),
                Json.read(str(item, "config"), RunConfig.class),
                str(item, "idType") == null ? null : IdType.valueOf(str(item, "idType")), num(item, "estimatedRows"),
                (int) num(item, "shardsTotal"), (int) num(item, "shardsDone"), counters(item), num(item, "createdAt"),
                num(item, "updatedAt"), num(item, "completedAt"),
                item.containsKey("troubleSince") ? new Trouble(num(item, "troubleSince"), num(item, "troubleCalls"), str(item, "troubleLast"),
                        num(item, "troubleAt")) : null, num(item, "runningSince"), str(item, "by"));
    }

    // ---------------------------------------------------------------- shards

    /** The run with its workers' counter items added: counters, shards done, the latest update. */
    static RunState withCounterItems(RunState r, List<Map<String, AttributeValue>> counterItems) {
        Counters counters = r.counters();
        long shardsDone = r.shardsDone();
        long updatedAt = r.updatedAtEpochMillis();
        for (Map<String, AttributeValue> c : counterItems) {
            counters = counters.plus(counters(c));
            shardsDone += num(c, "shardsDone");
            updatedAt = Math.max(updatedAt, num(c, "updatedAt"));
        }
        return new RunState(r.runId(), r.status(), r.statusReason(), r.config(), r.idType(), r.estimatedRows(),
                r.shardsTotal(), (int) shardsDone, counters, r.createdAtEpochMillis(), updatedAt, r.completedAtEpochMillis(),
                r.trouble(), r.runningSinceEpochMillis(), r.writtenBy());
    }

    /** The latency histogram summed over items holding {@code lat0..latN}: bucket upper bound (ms) → calls. */
    static java.util.SortedMap<Long, Long> latency(List<Map<String, AttributeValue>> items) {
        java.util.SortedMap<Long, Long> out = new java.util.TreeMap<>();
        for (int i = 0; i < MetricsLedger.LATENCY_BUCKETS_MS.length; i++) {
            long c = 0;
            for (Map<String, AttributeValue> item : items) c += num(item, "lat" + i);
            if (c > 0) out.put(MetricsLedger.LATENCY_BUCKETS_MS[i], c);
        }
        return out;
    }

    static Map<String, AttributeValue> shardItem(ShardState st) {
        Shard sh = st.shard();
        Map<String, AttributeValue> item = new HashMap<>(key(runPk(sh.runId()), shardSk(sh.shardNo())));
        item.put("v", n(LedgerTable.SCHEMA_VERSION));
        item.put("shardNo", n(sh.shardNo()));
        item.put("lo", s(sh.lo()));
        item.put("loExclusive", b(sh.loExclusive()));
        item.put("hi", s(sh.hi()));
        item.put("idType", s(sh.idType().name()));
        item.put("status", s(st.status().name()));
        if (st.checkpoint() != null) item.put("checkpoint", s(st.checkpoint()));
        if (st.leaseOwner() != null) item.put("leaseOwner", s(st.leaseOwner()));
        item.put("leaseExpiresAt", n(st.leaseExpiresAtEpochMillis()));
        item.put("attempts", n(st.attempts()));
        putCounters(item, st.counters());
        return item;
    }

    static ShardState shardState(String runId, Map<String, AttributeValue> item) {
        checkVersion(item);
        Shard sh = new Shard(runId, (int) num(item, "shardNo"), str(item, "lo"), bool(item, "loExclusive"),
                str(item, "hi"), IdType.valueOf(str(item, "idType")));
        return new ShardState(sh, ShardStatus.valueOf(str(item, "status")), str(item, "checkpoint"), str(item, "leaseOwner"),
                num(item, "leaseExpiresAt"), (int) num(item, "attempts"), counters(item));
    }

    // ---------------------------------------------------------------- failures

    /**
     * The values of a failure's upsert ({@code :v :src :shard :cls :http :msg :first :last :no :one}, and {@code :doc}
     * when it has a document id). An empty message is stored as "" (DynamoDB has taken empty strings since 2020).
     */
    static Map<String, AttributeValue> failureValues(FailureRecord f) {
        Map<String, AttributeValue> v = new HashMap<>();
        v.put(":v", n(LedgerTable.SCHEMA_VERSION));
        v.put(":src", s(f.sourceId()));
        v.put(":shard", n(f.shardNo()));
        v.put(":cls", s(f.errorClass()));
        v.put(":http", n(f.httpStatus()));
        v.put(":msg", s(f.message()));
        v.put(":first", n(f.firstSeenEpochMillis()));
        v.put(":last", n(f.lastSeenEpochMillis()));
        v.put(":no", b(false));
        v.put(":one", n(1));
        if (f.documentId() != null) v.put(":doc", s(f.documentId()));
        return v;
    }

    /** The upsert's SET clause for {@link #failureValues} (first seen kept, attempts added). */
    static String failureUpdate(FailureRecord f) {
        return "SET v = :v, sourceId = :src, shardNo = :shard, errorClass = :cls, httpStatus = :http, "
                + "message = :msg, firstSeen = if_not_exists(firstSeen, :first), lastSeen = :last, resolved = :no"
                + (f.documentId() != null ? ", documentId = :doc" : "") + " ADD attempts :one";
    }

    static FailureRecord failureRecord(String runId, Map<String, AttributeValue> item) {
        checkVersion(item);
        String msg = str(item, "message");
        // "-" stood for an empty message in items written before empty strings were stored as they are
        return new FailureRecord(runId, str(item, "sk"), str(item, "documentId"), str(item, "sourceId"),
                (int) num(item, "shardNo"), str(item, "errorClass"), (int) num(item, "httpStatus"),
                msg == null || "-".equals(msg) ? "" : msg, (int) num(item, "attempts"), num(item, "firstSeen"),
                num(item, "lastSeen"), bool(item, "resolved"));
    }
}
