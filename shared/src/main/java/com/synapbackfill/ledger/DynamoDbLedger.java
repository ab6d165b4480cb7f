package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.*;
import static com.synapbackfill.ledger.LedgerTable.*;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@link Ledger} on one DynamoDB table ({@link LedgerTable} has the key design). Every state change is a
 * conditional write; a checkpoint advance and its counters are one transaction over the shard, the run and
 * the minute item, so a crash can never count a batch without moving its checkpoint or the reverse.
 * Reserved words ({@code status}) are aliased; condition failures become {@link LeaseConflictException}.
 */
public final class DynamoDbLedger implements Ledger {
    private static final long MINUTE_TTL_SECONDS = LedgerTable.MINUTE_TTL_DAYS * 24L * 3600;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final int parts;

    public DynamoDbLedger(DynamoDbClient dynamo, String table, Clock clock) {
        this(dynamo, table, clock, PER_WORKER);
    }

    /** {@code parts} value: each worker (lease owner) has its own counter item and minute parts (#33). */
    public static final int PER_WORKER = 0;

    /**
     * @param parts {@link #PER_WORKER}, or the number of counter items (and minute parts) the steps spread over by
     *              shard number, for the ledger load bench's figures of earlier designs: 1 is the design before #33
     *              (every step wrote one item), 16 its first step. Reading sums whatever parts exist.
     */
    public DynamoDbLedger(DynamoDbClient dynamo, String table, Clock clock, int parts) {
        if (parts < 0) throw new IllegalArgumentException("parts must be >= 0, was " + parts);
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        this.parts = parts;
    }

    // ---------------------------------------------------------------- runs

    @Override
    public RunState createRun(RunState run) {
        Map<String, AttributeValue> item = runItem(run);
        try {
            call(() -> dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)")));
        } catch (ConditionalCheckFailedException exists) {
            // idempotent start: the stored run wins
        }
        RunState stored = run(run.runId()).orElseThrow();
        // the run index entry, keyed by the stored run's creation time: a repeated start writes the same item
        call(() -> dynamo.putItem(r -> r.tableName(table).item(Map.of(LedgerTable.PARTITION_KEY, s(RUNS_PK),
                LedgerTable.SORT_KEY, s(String.format("%013d#%s", stored.createdAtEpochMillis(), stored.runId())),
                "v", n(LedgerTable.SCHEMA_VERSION), "runId", s(stored.runId())))));
        return stored;
    }


    @Override
    public List<String> runIds(int limit) {
        QueryResponse resp = call(() -> dynamo.query(QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(RUNS_PK)))
                .scanIndexForward(false).limit(limit).build()));
        List<String> ids = new ArrayList<>();
        for (Map<String, AttributeValue> item : resp.items()) ids.add(str(item, "runId"));
        return ids;
    }

    @Override
    public Optional<RunState> run(String runId) {
        RunItems items = runItems(runId);
        if (items.run == null) return Optional.empty();
        RunState r = runState(items.run);
        Counters counters = r.counters();
        long shardsDone = r.shardsDone();
        long updatedAt = r.updatedAtEpochMillis();
        for (Map<String, AttributeValue> c : items.counters) {
            counters = counters.plus(LedgerItems.counters(c));
            shardsDone += num(c, "shardsDone");
            updatedAt = Math.max(updatedAt, num(c, "updatedAt"));
        }
        return Optional.of(new RunState(r.runId(), r.status(), r.statusReason(), r.config(), r.idType(), r.estimatedRows(),
                r.shardsTotal(), (int) shardsDone, counters, r.createdAtEpochMillis(), updatedAt, r.completedAtEpochMillis(),
                r.trouble(), r.runningSinceEpochMillis()));
    }

    /** The counter item and minute part a step adds to: its worker's, or (earlier designs, for the bench) its shard's. */
    private String part(ShardState current) {
        if (parts == PER_WORKER) return current.leaseOwner();
        return String.format("%02d", Math.floorMod(current.shard().shardNo(), parts));
    }

    /** The run item and its counter items, in one consistent query (1 + one item per worker that took part). */
    private record RunItems(Map<String, AttributeValue> run, List<Map<String, AttributeValue>> counters) {
    }

    private RunItems runItems(String runId) {
        QueryRequest req = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :run)")
                .expressionAttributeValues(Map.of(":pk", s(runPk(runId)), ":run", s(RUN_SK))).build();
        Map<String, AttributeValue> run = null;
        List<Map<String, AttributeValue>> counters = new ArrayList<>();
        for (Map<String, AttributeValue> item : call(() -> dynamo.queryPaginator(req).items().stream().toList())) {
            String sk = str(item, "sk");
            if (RUN_SK.equals(sk)) run = item;
            else if (sk.startsWith(LedgerTable.COUNTER_PREFIX)) counters.add(item);
        }
        return new RunItems(run, counters);
    }

    @Override
    public void noteTrouble(String runId, String what, long atMillis) {
        String last = what.length() > 300 ? what.substring(0, 300) + "…" : what;
        try {
            call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                    .updateExpression("SET troubleSince = if_not_exists(troubleSince, :now), troubleLast = :m, troubleAt = :now ADD troubleCalls :one")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":now", n(atMillis), ":m", s(last), ":one", n(1)))));
        } catch (ConditionalCheckFailedException gone) {
            // the run item is gone: nothing to tell
        }
    }

    @Override
    public boolean reserveCredits(String runId, long milli, long capMilli) {
        if (milli > capMilli) return false;
        try {
            call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                    .updateExpression("ADD reserved :n")
                    .conditionExpression("attribute_not_exists(reserved) OR reserved <= :room")
                    .expressionAttributeValues(Map.of(":n", n(milli), ":room", n(capMilli - milli)))));
            return true;
        } catch (ConditionalCheckFailedException full) {
            return false;
        }
    }

    @Override
    public void releaseCredits(String runId, long milli) {
        if (milli == 0) return;
        call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .updateExpression("ADD reserved :n").expressionAttributeValues(Map.of(":n", n(-milli)))));
    }

    @Override
    public void setCreditsReserved(String runId, long milli) {
        call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK))
                .updateExpression("SET reserved = :n").expressionAttributeValues(Map.of(":n", n(milli)))));
    }

    @Override
    public long creditsReserved(String runId) {
        var item = call(() -> dynamo.getItem(r -> r.tableName(table).key(key(runPk(runId), LedgerTable.CREDITS_SK)).consistentRead(true))).item();
        return item == null || !item.containsKey("reserved") ? 0 : Long.parseLong(item.get("reserved").n());
    }

    @Override
    public void clearTrouble(String runId) {
        try {
            call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                    .updateExpression("REMOVE troubleSince, troubleLast, troubleAt, troubleCalls")
                    .conditionExpression("attribute_exists(troubleSince)")));
        } catch (ConditionalCheckFailedException none) {
            // cleared already (another worker), or never set
        }
    }

    @Override
    public void putShards(String runId, List<ShardState> shards, long estimatedRows) {
        List<WriteRequest> pending = new ArrayList<>();
        for (ShardState st : shards) pending.add(WriteRequest.builder().putRequest(PutRequest.builder().item(shardItem(st)).build()).build());
        int attempt = 0;
        while (!pending.isEmpty()) {
            List<WriteRequest> retry = new ArrayList<>();
            for (int i = 0; i < pending.size(); i += 25) {
                List<WriteRequest> chunk = pending.subList(i, Math.min(pending.size(), i + 25));
                BatchWriteItemResponse resp = call(() -> dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, chunk))));
                retry.addAll(resp.unprocessedItems().getOrDefault(table, List.of()));
            }
            pending = retry;
            if (!pending.isEmpty()) sleep(backoffMillis(++attempt));
        }
        long total = countShards(runId);
        call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                .updateExpression("SET shardsTotal = :t, estimatedRows = :e, updatedAt = :now")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeValues(Map.of(":t", n(total), ":e", n(estimatedRows), ":now", n(clock.millis())))));
    }

    private long countShards(String runId) {
        QueryRequest req = QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":pk", s(runPk(runId)), ":p", s(SHARD_PREFIX)))
                .select("COUNT").build();
        return call(() -> dynamo.queryPaginator(req).stream().mapToLong(QueryResponse::count).sum());
    }

    @Override
    public void updateConfig(String runId, RunConfig config) {
        try {
            call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                    .updateExpression("SET #cfg = :c, updatedAt = :now")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeNames(Map.of("#cfg", "config"))
                    .expressionAttributeValues(Map.of(":c", s(Json.write(config)), ":now", n(clock.millis())))));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalArgumentException("runId: no run \"" + runId + "\"");
        }
    }

    @Override
    public boolean transition(String runId, Set<RunStatus> from, RunStatus to, String reason) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":to", s(to.name()));
        values.put(":now", n(clock.millis()));
        List<String> names = new ArrayList<>();
        int i = 0;
        for (RunStatus f : from) {
            values.put(":f" + i, s(f.name()));
            names.add(":f" + i++);
        }
        StringBuilder update = new StringBuilder("SET #st = :to, updatedAt = :now");
        if (reason != null) {
            values.put(":reason", s(reason));
            update.append(", reason = :reason");
        }
        if (to == RunStatus.COMPLETED) update.append(", completedAt = :now");
        if (to == RunStatus.RUNNING) update.append(", runningSince = :now");
        if (reason == null) update.append(" REMOVE reason");
        try {
            call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                    .updateExpression(update.toString())
                    .conditionExpression("attribute_exists(pk) AND #st IN (" + String.join(", ", names) + ")")
                    .expressionAttributeNames(Map.of("#st", "status"))
                    .expressionAttributeValues(values)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- shards and leases

    @Override
    public Optional<ShardState> shard(String runId, int shardNo) {
        Map<String, AttributeValue> item = call(() -> dynamo.getItem(r -> r.tableName(table)
                .key(key(runPk(runId), shardSk(shardNo))).consistentRead(true))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(shardState(runId, item));
    }

    @Override
    public ShardState claim(String runId, int shardNo, String owner, Duration lease) {
        long now = clock.millis();
        try {
            UpdateItemResponse resp = call(() -> dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
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

    @Override
    public ShardState advance(ShardState current, String checkpoint, Counters delta, CallStats calls,
                              boolean done, Duration lease) {
        Shard sh = current.shard();
        long now = clock.millis();
        Map<String, AttributeValue> sv = new HashMap<>();
        Map<String, String> sn = new HashMap<>(Map.of("#st", "status"));
        StringBuilder set = new StringBuilder("SET updatedAt = :now");
        sv.put(":now", n(now));
        sv.put(":o", s(current.leaseOwner()));
        sv.put(":done", s(ShardStatus.DONE.name()));
        if (checkpoint != null) {
            set.append(", checkpoint = :to");
            sv.put(":to", s(checkpoint));
        }
        StringBuilder remove = new StringBuilder();
        if (done) {
            set.append(", #st = :done, leaseExpiresAt = :zero");
            sv.put(":zero", n(0));
            remove.append(" REMOVE leaseOwner");
        } else {
            set.append(", leaseExpiresAt = :exp");
            sv.put(":exp", n(now + lease.toMillis()));
        }
        String add = addCounters(delta, sv);
        String cond = "leaseOwner = :o AND #st <> :done AND "
                + (current.checkpoint() == null ? "attribute_not_exists(checkpoint)" : "checkpoint = :from");
        if (current.checkpoint() != null) sv.put(":from", s(current.checkpoint()));
        Update shardUpdate = Update.builder().tableName(table).key(key(runPk(sh.runId()), shardSk(sh.shardNo())))
                .updateExpression(set + remove.toString() + add).conditionExpression(cond)
                .expressionAttributeNames(sn).expressionAttributeValues(sv)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build();

        Map<String, AttributeValue> rv = new HashMap<>();
        rv.put(":now", n(now));
        StringBuilder radd = new StringBuilder(addCounters(delta, rv));
        if (done) {
            radd.append(radd.length() == 0 ? " ADD " : ", ").append("shardsDone :one");
            rv.put(":one", n(1));
        }
        long[] hist = new long[LATENCY_BUCKETS_MS.length];
        for (long l : calls.latenciesMillis()) hist[Ledger.bucketOf(l)]++;
        for (int i = 0; i < hist.length; i++) {
            if (hist[i] > 0) {
                radd.append(radd.length() == 0 ? " ADD " : ", ").append("lat").append(i).append(" :l").append(i);
                rv.put(":l" + i, n(hist[i]));
            }
        }
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(TransactWriteItem.builder().update(shardUpdate).build());
        // the step's counters go to its worker's counter item, not the run item: each item has one writer (#33)
        rv.put(":v", n(LedgerTable.SCHEMA_VERSION));
        items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(key(runPk(sh.runId()), LedgerTable.counterSk(part(current))))
                .updateExpression("SET updatedAt = :now, v = :v" + radd).expressionAttributeValues(rv).build()).build());
        MinuteStats minute = MinuteStats.of(now / 60_000, delta, calls);
        if (!minute.isEmpty())
            items.add(TransactWriteItem.builder().update(minuteUpdate(sh.runId(), minute, part(current), now)).build());
        transact(items, "ledger transaction", (reasons, e) -> {
            if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
                Map<String, AttributeValue> old = reasons.get(0).item();
                String now2 = old == null ? "gone" : "owner " + str(old, "leaseOwner") + ", checkpoint " + str(old, "checkpoint")
                        + ", status " + str(old, "status");
                throw new LeaseConflictException("shard " + sh.shardNo() + " of " + sh.runId() + " changed under "
                        + current.leaseOwner() + " (" + now2 + ")", e);
            }
            return null; // TransactionConflict (another worker's transaction on the run item) or throttling: retry
        });
        return new ShardState(sh, done ? ShardStatus.DONE : ShardStatus.IN_PROGRESS, checkpoint,
                done ? null : current.leaseOwner(), done ? 0 : now + lease.toMillis(), current.attempts(),
                current.counters().plus(delta));
    }

    @Override
    public boolean release(String runId, int shardNo, String owner) {
        try {
            call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), shardSk(shardNo)))
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

    // ---------------------------------------------------------------- failures

    @Override
    public void recordFailures(List<FailureRecord> failures) {
        // one item per key: a transaction of up to 100 upserts, each raising attempts on a repeat
        Map<String, FailureRecord> unique = new java.util.LinkedHashMap<>();
        for (FailureRecord f : failures) unique.put(f.runId() + '\u0000' + f.key(), f);
        List<FailureRecord> list = new ArrayList<>(unique.values());
        for (int i = 0; i < list.size(); i += 100) {
            List<TransactWriteItem> items = new ArrayList<>();
            for (FailureRecord f : list.subList(i, Math.min(list.size(), i + 100))) {
                Map<String, AttributeValue> v = failureValues(f);
                String set = failureUpdate(f);
                items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                        .key(key(failPk(f.runId()), f.key())).updateExpression(set)
                        .expressionAttributeValues(v).build()).build());
            }
            transact(items, "failure items", (reasons, e) -> null); // upserts without conditions: only conflicts, retried
        }
    }

    @Override
    public boolean resolveFailure(String runId, String key, Counters delta) {
        long now = clock.millis();
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
        return transact(items, "resolving a failure", (reasons, e) -> {
            if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) return false; // resolved already
            if (reasons.size() > 1 && "ConditionalCheckFailed".equals(reasons.get(1).code()))
                throw new IllegalArgumentException("runId: no run \"" + runId + "\" in the ledger");
            return null;
        });
    }

    @Override
    public List<FailureRecord> failures(String runId, String afterKey, int limit) {
        QueryRequest req = QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(failPk(runId))))
                .exclusiveStartKey(afterKey == null ? null : key(failPk(runId), afterKey)).limit(limit).build();
        return call(() -> dynamo.queryPaginator(req).items().stream().limit(limit).map(item -> failureRecord(runId, item))
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new)));
    }

    // ---------------------------------------------------------------- listings and stats

    @Override
    public List<ShardState> unfinishedShards(String runId, int after, int limit) {
        return queryShards(runId, after, limit, true);
    }

    @Override
    public List<ShardState> shards(String runId, int after, int limit) {
        return queryShards(runId, after, limit, false);
    }

    /** A page of shards after {@code after}: with {@code unfinishedOnly} DynamoDB filters after reading, so no page limit then. */
    private List<ShardState> queryShards(String runId, int after, int limit, boolean unfinishedOnly) {
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
        return call(() -> dynamo.queryPaginator(req).items().stream().limit(limit).map(item -> shardState(runId, item))
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new)));
    }

    /** Adds a step's share to its minute item (created on first write, TTL moved on with each). */
    private Update minuteUpdate(String runId, MinuteStats m, String part, long now) {
        Map<String, AttributeValue> v = new HashMap<>();
        v.put(":v", n(LedgerTable.SCHEMA_VERSION));
        v.put(":ttl", n(now / 1000 + MINUTE_TTL_SECONDS));
        List<String> adds = new ArrayList<>();
        long[] fields = {m.handled(), m.accepted(), m.failed(), m.calls(), m.throttled(), m.retries(), m.serverErrors()};
        for (int i = 0; i < fields.length; i++) {
            if (fields[i] == 0) continue;
            adds.add(MINUTE_FIELDS[i] + " :" + MINUTE_FIELDS[i]);
            v.put(":" + MINUTE_FIELDS[i], n(fields[i]));
        }
        long[] lat = m.latency();
        for (int i = 0; i < lat.length; i++) {
            if (lat[i] == 0) continue;
            adds.add("lat" + i + " :lat" + i);
            v.put(":lat" + i, n(lat[i]));
        }
        return Update.builder().tableName(table).key(key(runPk(runId), LedgerTable.minuteSk(m.minute(), part)))
                .updateExpression("SET v = :v, #ttl = :ttl ADD " + String.join(", ", adds))
                .expressionAttributeNames(Map.of("#ttl", LedgerTable.TTL_ATTRIBUTE)).expressionAttributeValues(v).build();
    }

    private static final String[] MINUTE_FIELDS = {"handled", "accepted", "failed", "calls", "throttled", "retries", "serverErrors"};

    private static MinuteStats minuteStats(Map<String, AttributeValue> item) {
        long[] lat = new long[LATENCY_BUCKETS_MS.length];
        for (int i = 0; i < lat.length; i++) lat[i] = num(item, "lat" + i);
        return new MinuteStats(LedgerTable.minuteOf(str(item, "sk")), num(item, "handled"),
                num(item, "accepted"), num(item, "failed"), num(item, "calls"), num(item, "throttled"), num(item, "retries"),
                num(item, "serverErrors"), lat);
    }

    @Override
    public List<MinuteStats> minutes(String runId, long fromMinute, long toMinute) {
        if (toMinute < fromMinute) return List.of();
        // a minute's parts (MIN#m#<worker>) and a minute item of an older version (MIN#m) sort between these bounds
        QueryRequest req = QueryRequest.builder().tableName(table).keyConditionExpression("pk = :pk AND sk BETWEEN :a AND :b")
                .expressionAttributeValues(Map.of(":pk", s(runPk(runId)), ":a", s(minuteSk(fromMinute)), ":b", s(minuteSk(toMinute) + "#~")))
                .build();
        java.util.TreeMap<Long, MinuteStats> merged = new java.util.TreeMap<>();
        for (MinuteStats m : call(() -> dynamo.queryPaginator(req).items().stream().map(DynamoDbLedger::minuteStats).toList()))
            merged.merge(m.minute(), m, MinuteStats::plus);
        return List.copyOf(merged.values());
    }

    @Override
    public List<Long> handledPerMinute(String runId, long nowMillis, int minutes) {
        long cur = nowMillis / 60_000;
        Map<Long, Long> found = new HashMap<>();
        for (MinuteStats m : minutes(runId, cur - minutes + 1, cur)) found.put(m.minute(), m.handled());
        List<Long> out = new ArrayList<>();
        for (long k = cur - minutes + 1; k <= cur; k++) out.add(found.getOrDefault(k, 0L));
        return out;
    }

    @Override
    public SortedMap<Long, Long> latencyHistogram(String runId) {
        RunItems items = runItems(runId);
        SortedMap<Long, Long> out = new TreeMap<>();
        List<Map<String, AttributeValue>> all = new ArrayList<>(items.counters);
        if (items.run != null) all.add(items.run); // a run written by an older version kept its histogram on the run item
        for (int i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
            long c = 0;
            for (Map<String, AttributeValue> item : all) c += num(item, "lat" + i);
            if (c > 0) out.put(LATENCY_BUCKETS_MS[i], c);
        }
        return out;
    }

    // ---------------------------------------------------------------- plumbing

    /** Translates throttling and connection failures at the point they happen. */
    private static <T> T call(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (ConditionalCheckFailedException | TransactionCanceledException e) {
            throw e;
        } catch (DynamoDbException e) {
            if (e.isThrottlingException() || e.statusCode() >= 500)
                throw new RetryableException("ledger_unavailable", "DynamoDB: " + e.awsErrorDetails().errorMessage(), e.statusCode(), null, e);
            throw e;
        } catch (SdkClientException e) {
            throw new RetryableException("ledger_unavailable", "DynamoDB unreachable: " + e.getMessage(), 0, null, e);
        }
    }

    /**
     * Runs a transaction, retrying what a retry can fix (another worker's transaction on the same item,
     * throttling) with backoff, at most 8 times. {@code onCancel} reads the cancellation reasons first: it throws,
     * answers the outcome (false: a condition said no), or returns null to retry.
     */
    private boolean transact(List<TransactWriteItem> items, String what,
                             java.util.function.BiFunction<List<CancellationReason>, TransactionCanceledException, Boolean> onCancel) {
        for (int attempt = 1; ; attempt++) {
            try {
                call(() -> dynamo.transactWriteItems(r -> r.transactItems(items)));
                return true;
            } catch (TransactionCanceledException e) {
                Boolean outcome = onCancel.apply(e.cancellationReasons(), e);
                if (outcome != null) return outcome;
                if (attempt >= 8) throw new RetryableException("ledger_conflict", what + " kept conflicting: "
                        + e.cancellationReasons().stream().map(CancellationReason::code).collect(Collectors.toList()), 0, null, e);
                sleep(backoffMillis(attempt));
            }
        }
    }

    /** Transaction and batch-write retries: up to 50 ms, 100 ms, ... 2 s (full jitter). */
    private static final com.synapbackfill.retry.Backoff RETRIES = new com.synapbackfill.retry.Backoff(Duration.ofMillis(50),
            Duration.ofSeconds(2), com.synapbackfill.retry.Backoff.Jitter.FULL);

    private static long backoffMillis(int attempt) {
        return RETRIES.delay(attempt).toMillis();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableException("interrupted", "interrupted", 0, null, e);
        }
    }
}
