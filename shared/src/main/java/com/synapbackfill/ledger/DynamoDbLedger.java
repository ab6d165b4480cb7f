package com.synapbackfill.ledger;

import static com.synapbackfill.ledger.LedgerItems.*;
import static com.synapbackfill.ledger.LedgerTable.*;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.retry.Sleeper;
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
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * {@link Ledger} on one DynamoDB table ({@link LedgerTable} has the key design). Every state change is a
 * conditional write; a checkpoint advance and its counters are one transaction over the shard item and its
 * worker's counter item and minute part (#33), so a crash can never count a batch without moving its checkpoint
 * or the reverse. Reserved words ({@code status}) are aliased; condition failures become
 * {@link LeaseConflictException}. DynamoDB's errors are translated, and transactions retried, by {@link LedgerCalls};
 * the per-minute items are {@link LedgerMinutes}'.
 */
public final class DynamoDbLedger implements Ledger {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final int parts;
    private final LedgerCalls tx;
    private final LedgerMinutes minutes;
    private final LedgerCredits credits;
    private final LedgerFailures failures;
    private final LedgerLeases leases;

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
        this.tx = new LedgerCalls(dynamo, Sleeper.REAL);
        this.minutes = new LedgerMinutes(dynamo, table);
        this.credits = new LedgerCredits(dynamo, table);
        this.failures = new LedgerFailures(dynamo, table, tx);
        this.leases = new LedgerLeases(dynamo, table);
    }

    // ---------------------------------------------------------------- runs

    @Override
    public RunState createRun(RunState run) {
        Map<String, AttributeValue> item = runItem(run);
        try {
            LedgerCalls.call(() -> dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)")));
        } catch (ConditionalCheckFailedException exists) {
            // idempotent start: the stored run wins
        }
        RunState stored = run(run.runId()).orElseThrow();
        // the run index entry, keyed by the stored run's creation time: a repeated start writes the same item
        LedgerCalls.call(() -> dynamo.putItem(r -> r.tableName(table).item(Map.of(LedgerTable.PARTITION_KEY, s(RUNS_PK),
                LedgerTable.SORT_KEY, s(String.format("%013d#%s", stored.createdAtEpochMillis(), stored.runId())),
                "v", n(LedgerTable.SCHEMA_VERSION), "runId", s(stored.runId())))));
        return stored;
    }

    @Override
    public List<String> runIds(int limit) {
        QueryResponse resp = LedgerCalls.call(() -> dynamo.query(QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(RUNS_PK)))
                .scanIndexForward(false).limit(limit).build()));
        List<String> ids = new ArrayList<>();
        for (Map<String, AttributeValue> item : resp.items()) ids.add(str(item, "runId"));
        return ids;
    }

    @Override
    public Optional<RunState> run(String runId) {
        RunItems items = runItems(runId);
        return items.run == null ? Optional.empty() : Optional.of(LedgerItems.withCounterItems(runState(items.run), items.counters));
    }

    /** One consistent GetItem of the run item: a worker's check between batches costs one read whatever the fleet's size. */
    @Override
    public Optional<RunState> runHead(String runId) {
        Map<String, AttributeValue> item = LedgerCalls.call(() -> dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(runPk(runId), RUN_SK)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(runState(item));
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
        for (Map<String, AttributeValue> item : LedgerCalls.call(() -> dynamo.queryPaginator(req).items().stream().toList())) {
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
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                    .updateExpression("SET troubleSince = if_not_exists(troubleSince, :now), troubleLast = :m, troubleAt = :now ADD troubleCalls :one")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":now", n(atMillis), ":m", s(last), ":one", n(1)))));
        } catch (ConditionalCheckFailedException gone) {
            // the run item is gone: nothing to tell
        }
    }

    @Override
    public boolean reserveCredits(String runId, java.math.BigDecimal amount, java.math.BigDecimal cap) {
        return credits.reserve(runId, amount, cap);
    }

    @Override
    public void releaseCredits(String runId, java.math.BigDecimal amount) {
        credits.release(runId, amount);
    }

    @Override
    public void setCreditsReserved(String runId, java.math.BigDecimal amount) {
        credits.set(runId, amount);
    }

    @Override
    public java.math.BigDecimal creditsReserved(String runId) {
        return credits.reserved(runId);
    }

    @Override
    public void clearTrouble(String runId) {
        try {
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                    .updateExpression("REMOVE troubleSince, troubleLast, troubleAt, troubleCalls")
                    .conditionExpression("attribute_exists(troubleSince)")));
        } catch (ConditionalCheckFailedException none) {
            // cleared already (another worker), or never set
        }
    }

    @Override
    public void putShards(String runId, List<ShardState> shards, long estimatedRows) {
        leases.put(shards, tx);
        long total = leases.count(runId);
        LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
                .updateExpression("SET shardsTotal = :t, estimatedRows = :e, updatedAt = :now")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeValues(Map.of(":t", n(total), ":e", n(estimatedRows), ":now", n(clock.millis())))));
    }

    @Override
    public void updateConfig(String runId, RunConfig config) {
        try {
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
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
            values.put(":reason", s(RunState.keptReason(reason)));
            update.append(", reason = :reason");
        }
        if (to == RunStatus.COMPLETED) update.append(", completedAt = :now");
        if (to == RunStatus.RUNNING) update.append(", runningSince = :now");
        if (reason == null) update.append(" REMOVE reason");
        try {
            LedgerCalls.call(() -> dynamo.updateItem(r -> r.tableName(table).key(key(runPk(runId), RUN_SK))
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
        return leases.shard(runId, shardNo);
    }

    @Override
    public ShardState claim(String runId, int shardNo, String owner, Duration lease) {
        return leases.claim(runId, shardNo, owner, lease, clock.millis());
    }

    @Override
    public ShardState advance(ShardState current, String checkpoint, Counters delta, CallStats calls,
                              boolean done, Duration lease) {
        Shard sh = current.shard();
        long now = clock.millis();
        Update shardUpdate = StepUpdates.shard(table, current, checkpoint, delta, done, now + lease.toMillis(), now);
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(TransactWriteItem.builder().update(shardUpdate).build());
        // the step's counters go to its worker's counter item, not the run item: each item has one writer (#33)
        items.add(TransactWriteItem.builder().update(StepUpdates.counters(table, sh.runId(), part(current), delta, calls, done, now)).build());
        MinuteStats minute = MinuteStats.of(now / 60_000, delta, calls);
        if (!minute.isEmpty())
            items.add(TransactWriteItem.builder().update(minutes.update(sh.runId(), minute, part(current), now)).build());
        tx.transact(items, "ledger transaction", (reasons, e) -> {
            if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
                Map<String, AttributeValue> old = reasons.get(0).item();
                String now2 = old == null ? "gone" : "owner " + str(old, "leaseOwner") + ", checkpoint " + str(old, "checkpoint")
                        + ", status " + str(old, "status");
                throw new LeaseConflictException("shard " + sh.shardNo() + " of " + sh.runId() + " changed under "
                        + current.leaseOwner() + " (" + now2 + ")", e);
            }
            return null; // TransactionConflict or throttling: retry
        });
        return new ShardState(sh, done ? ShardStatus.DONE : ShardStatus.IN_PROGRESS, checkpoint,
                done ? null : current.leaseOwner(), done ? 0 : now + lease.toMillis(), current.attempts(),
                current.counters().plus(delta));
    }

    @Override
    public boolean release(String runId, int shardNo, String owner) {
        return leases.release(runId, shardNo, owner);
    }

    // ---------------------------------------------------------------- failures

    @Override
    public void recordFailures(List<FailureRecord> failures) {
        this.failures.record(failures);
    }

    @Override
    public boolean resolveFailure(String runId, String key, Counters delta) {
        return failures.resolve(runId, key, delta, clock.millis());
    }

    @Override
    public List<FailureRecord> failures(String runId, String afterKey, int limit) {
        return failures.page(runId, afterKey, limit);
    }

    // ---------------------------------------------------------------- listings and stats

    @Override
    public List<ShardState> unfinishedShards(String runId, int after, int limit) {
        return leases.page(runId, after, limit, true);
    }

    @Override
    public List<ShardState> shards(String runId, int after, int limit) {
        return leases.page(runId, after, limit, false);
    }

    @Override
    public List<MinuteStats> minutes(String runId, long fromMinute, long toMinute) {
        return minutes.read(runId, fromMinute, toMinute);
    }

    @Override
    public List<Long> handledPerMinute(String runId, long nowMillis, int minutes) {
        return this.minutes.handledPerMinute(runId, nowMillis, minutes);
    }

    @Override
    public SortedMap<Long, Long> latencyHistogram(String runId) {
        RunItems items = runItems(runId);
        List<Map<String, AttributeValue>> all = new ArrayList<>(items.counters);
        if (items.run != null) all.add(items.run); // a run written by an older version kept its histogram on the run item
        return LedgerItems.latency(all);
    }
}
