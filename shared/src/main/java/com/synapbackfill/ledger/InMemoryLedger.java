package com.synapbackfill.ledger;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** A {@link Ledger} in memory with the same conditions as DynamoDB: the fake for service tests and the CLI. */
public final class InMemoryLedger implements Ledger {
    private final Clock clock;
    private final Map<String, RunState> runs = new HashMap<>();
    private final Map<String, TreeMap<Integer, ShardState>> shards = new HashMap<>();
    private final Map<String, TreeMap<String, FailureRecord>> failures = new HashMap<>();
    private final Map<String, TreeMap<Long, MinuteStats>> minutes = new HashMap<>();
    private final Map<String, long[]> latency = new HashMap<>();

    public InMemoryLedger(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized RunState createRun(RunState run) {
        return runs.computeIfAbsent(run.runId(), id -> run);
    }

    @Override
    public synchronized Optional<RunState> run(String runId) {
        RunState r = runs.get(runId);
        return Optional.ofNullable(r == null ? null : r.withTrouble(troubles.get(runId)).withRunningSince(runningSince.getOrDefault(runId, 0L)));
    }

    private final Map<String, com.synapbackfill.model.Trouble> troubles = new HashMap<>();
    private final Map<String, Long> runningSince = new HashMap<>();

    @Override
    public synchronized void noteTrouble(String runId, String what, long atMillis) {
        if (!runs.containsKey(runId)) return;
        com.synapbackfill.model.Trouble t = troubles.get(runId);
        troubles.put(runId, new com.synapbackfill.model.Trouble(t == null ? atMillis : t.sinceEpochMillis(), t == null ? 1 : t.failedCalls() + 1,
                what, atMillis));
    }

    @Override
    public synchronized void clearTrouble(String runId) {
        troubles.remove(runId);
    }

    @Override
    public synchronized List<String> runIds(int limit) {
        return runs.values().stream()
                .sorted(java.util.Comparator.comparingLong(RunState::createdAtEpochMillis).thenComparing(RunState::runId).reversed())
                .limit(limit).map(RunState::runId).toList();
    }

    @Override
    public synchronized void putShards(String runId, List<ShardState> list, long estimatedRows) {
        TreeMap<Integer, ShardState> m = shards.computeIfAbsent(runId, k -> new TreeMap<>());
        for (ShardState s : list) m.put(s.shard().shardNo(), s);
        RunState r = require(runId);
        runs.put(runId, new RunState(r.runId(), r.status(), r.statusReason(), r.config(), r.idType(), estimatedRows,
                m.size(), (int) m.values().stream().filter(s -> s.status() == ShardStatus.DONE).count(), r.counters(),
                r.createdAtEpochMillis(), clock.millis(), r.completedAtEpochMillis()));
    }

    @Override
    public synchronized void updateConfig(String runId, com.synapbackfill.model.RunConfig config) {
        RunState r = require(runId);
        runs.put(runId, new RunState(r.runId(), r.status(), r.statusReason(), config, r.idType(), r.estimatedRows(), r.shardsTotal(),
                r.shardsDone(), r.counters(), r.createdAtEpochMillis(), clock.millis(), r.completedAtEpochMillis()));
    }

    @Override
    public synchronized boolean transition(String runId, Set<RunStatus> from, RunStatus to, String reason) {
        RunState r = require(runId);
        if (!from.contains(r.status())) return false;
        long now = clock.millis();
        runs.put(runId, new RunState(r.runId(), to, RunState.keptReason(reason), r.config(), r.idType(), r.estimatedRows(), r.shardsTotal(),
                r.shardsDone(), r.counters(), r.createdAtEpochMillis(), now,
                to == RunStatus.COMPLETED ? now : r.completedAtEpochMillis()));
        if (to == RunStatus.RUNNING) runningSince.put(runId, now);
        return true;
    }

    @Override
    public synchronized Optional<ShardState> shard(String runId, int shardNo) {
        return Optional.ofNullable(shards.getOrDefault(runId, new TreeMap<>()).get(shardNo));
    }

    @Override
    public synchronized ShardState claim(String runId, int shardNo, String owner, Duration lease) {
        ShardState s = shard(runId, shardNo).orElseThrow(() -> new LeaseConflictException("no shard " + shardNo + " in run " + runId, null));
        long now = clock.millis();
        if (s.status() == ShardStatus.DONE) return s;
        if (!(s.leaseFreeAt(now) || owner.equals(s.leaseOwner())))
            throw new LeaseConflictException("shard " + shardNo + " of " + runId + " is leased by " + s.leaseOwner(), null);
        ShardState n = new ShardState(s.shard(), ShardStatus.IN_PROGRESS, s.checkpoint(), owner, now + lease.toMillis(),
                s.attempts() + 1, s.counters());
        shards.get(runId).put(shardNo, n);
        return n;
    }

    @Override
    public synchronized ShardState advance(ShardState current, String checkpoint, Counters delta,
                                           CallStats calls, boolean done, Duration lease) {
        String runId = current.shard().runId();
        int no = current.shard().shardNo();
        ShardState s = shard(runId, no).orElseThrow();
        if (s.status() == ShardStatus.DONE || !Objects.equals(s.leaseOwner(), current.leaseOwner())
                || !Objects.equals(s.checkpoint(), current.checkpoint()))
            throw new LeaseConflictException("shard " + no + " of " + runId + " changed under " + current.leaseOwner()
                    + " (owner now " + s.leaseOwner() + ", checkpoint " + s.checkpoint() + ")", null);
        long now = clock.millis();
        ShardState n = new ShardState(s.shard(), done ? ShardStatus.DONE : ShardStatus.IN_PROGRESS, checkpoint,
                done ? null : s.leaseOwner(), done ? 0 : now + lease.toMillis(), s.attempts(), s.counters().plus(delta));
        shards.get(runId).put(no, n);
        RunState r = require(runId);
        runs.put(runId, new RunState(r.runId(), r.status(), r.statusReason(), r.config(), r.idType(), r.estimatedRows(),
                r.shardsTotal(), r.shardsDone() + (done ? 1 : 0), r.counters().plus(delta), r.createdAtEpochMillis(), now,
                r.completedAtEpochMillis()));
        MinuteStats minute = MinuteStats.of(now / 60_000, delta, calls);
        if (!minute.isEmpty()) minutes.computeIfAbsent(runId, k -> new TreeMap<>()).merge(minute.minute(), minute, MinuteStats::plus);
        long[] h = latency.computeIfAbsent(runId, k -> new long[LATENCY_BUCKETS_MS.length]);
        for (long l : calls.latenciesMillis()) h[MetricsLedger.bucketOf(l)]++;
        return n;
    }

    @Override
    public synchronized boolean release(String runId, int shardNo, String owner) {
        ShardState s = shard(runId, shardNo).orElse(null);
        if (s == null || s.status() == ShardStatus.DONE || !owner.equals(s.leaseOwner())) return false;
        shards.get(runId).put(shardNo, new ShardState(s.shard(), ShardStatus.PENDING, s.checkpoint(), null, 0,
                s.attempts(), s.counters()));
        return true;
    }

    @Override
    public synchronized void recordFailures(List<FailureRecord> list) {
        for (FailureRecord f : list) {
            TreeMap<String, FailureRecord> m = failures.computeIfAbsent(f.runId(), k -> new TreeMap<>());
            FailureRecord old = m.get(f.key());
            m.put(f.key(), old == null ? f : new FailureRecord(f.runId(), f.key(), f.documentId(), f.sourceId(),
                    f.shardNo(), f.errorClass(), f.httpStatus(), f.message(), old.attempts() + 1,
                    old.firstSeenEpochMillis(), f.lastSeenEpochMillis(), false));
        }
    }

    @Override
    public synchronized boolean resolveFailure(String runId, String key, Counters delta) {
        FailureRecord f = failures.getOrDefault(runId, new TreeMap<>()).get(key);
        if (f == null || f.resolved()) return false;
        failures.get(runId).put(key, new FailureRecord(f.runId(), f.key(), f.documentId(), f.sourceId(), f.shardNo(),
                f.errorClass(), f.httpStatus(), f.message(), f.attempts(), f.firstSeenEpochMillis(), clock.millis(), true));
        RunState r = require(runId);
        runs.put(runId, new RunState(r.runId(), r.status(), r.statusReason(), r.config(), r.idType(), r.estimatedRows(),
                r.shardsTotal(), r.shardsDone(), r.counters().plus(delta), r.createdAtEpochMillis(), clock.millis(),
                r.completedAtEpochMillis()));
        return true;
    }

    @Override
    public synchronized List<ShardState> unfinishedShards(String runId, int after, int limit) {
        return shards.getOrDefault(runId, new TreeMap<>()).tailMap(after, false).values().stream()
                .filter(s -> s.status() != ShardStatus.DONE).limit(limit).toList();
    }

    @Override
    public synchronized List<ShardState> shards(String runId, int after, int limit) {
        return shards.getOrDefault(runId, new TreeMap<>()).tailMap(after, false).values().stream().limit(limit).toList();
    }

    @Override
    public synchronized List<FailureRecord> failures(String runId, String afterKey, int limit) {
        TreeMap<String, FailureRecord> m = failures.getOrDefault(runId, new TreeMap<>());
        return new ArrayList<>((afterKey == null ? m : m.tailMap(afterKey, false)).values()).stream().limit(limit).toList();
    }

    @Override
    public synchronized List<Long> handledPerMinute(String runId, long nowMillis, int n) {
        TreeMap<Long, MinuteStats> m = minutes.getOrDefault(runId, new TreeMap<>());
        long cur = nowMillis / 60_000;
        List<Long> out = new ArrayList<>();
        for (long k = cur - n + 1; k <= cur; k++) out.add(m.containsKey(k) ? m.get(k).handled() : 0L);
        return out;
    }

    @Override
    public synchronized List<MinuteStats> minutes(String runId, long fromMinute, long toMinute) {
        if (toMinute < fromMinute) return List.of();
        return List.copyOf(minutes.getOrDefault(runId, new TreeMap<>()).subMap(fromMinute, true, toMinute, true).values());
    }

    @Override
    public synchronized SortedMap<Long, Long> latencyHistogram(String runId) {
        long[] h = latency.getOrDefault(runId, new long[LATENCY_BUCKETS_MS.length]);
        SortedMap<Long, Long> out = new TreeMap<>();
        for (int i = 0; i < h.length; i++) if (h[i] > 0) out.put(LATENCY_BUCKETS_MS[i], h[i]);
        return out;
    }

    private RunState require(String runId) {
        RunState r = runs.get(runId);
        if (r == null) throw new IllegalArgumentException("no run " + runId);
        return r;
    }

    private final Map<String, java.math.BigDecimal> credits = new HashMap<>();

    @Override
    public synchronized boolean reserveCredits(String runId, java.math.BigDecimal amount, java.math.BigDecimal cap) {
        java.math.BigDecimal had = credits.getOrDefault(runId, java.math.BigDecimal.ZERO);
        if (had.add(amount).compareTo(cap) > 0) return false;
        credits.put(runId, had.add(amount));
        return true;
    }

    @Override
    public synchronized void releaseCredits(String runId, java.math.BigDecimal amount) {
        credits.merge(runId, amount.negate(), java.math.BigDecimal::add);
    }

    @Override
    public synchronized void setCreditsReserved(String runId, java.math.BigDecimal amount) {
        credits.put(runId, amount);
    }

    @Override
    public synchronized java.math.BigDecimal creditsReserved(String runId) {
        return credits.getOrDefault(runId, java.math.BigDecimal.ZERO);
    }

}
