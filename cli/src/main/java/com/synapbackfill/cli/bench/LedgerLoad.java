package com.synapbackfill.cli.bench;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.CallStats;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.source.SourceConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The ledger alone under load (#33): {@code workers} threads, each a worker of the fleet, claim shards (in a shuffled
 * order, as SQS hands them out loosely) and advance them step by step, exactly as the worker does after each Synap
 * call, at an offered rate of steps a second; no Synap and no source. Through {@link DynamoDbLimitModel} the steps
 * meet DynamoDB's per-item limits. A step whose transaction kept failing is taken up again from what the ledger says
 * (as a redelivered message would be); at the end every acknowledged step must be counted exactly once.
 */
final class LedgerLoad {
    static final int STEPS_PER_SHARD = 10;
    static final long ROWS_PER_STEP = 100;
    private static final Duration LEASE = Duration.ofMinutes(10);

    /**
     * @param achievedStepsPerSecond steps acknowledged within the offered interval, a second
     * @param failedSteps            steps whose ledger call gave up (8 cancelled transactions, or the SDK's retries
     *                               of a throttle exhausted) and were taken up again
     * @param lostOrDoubled          acknowledged steps minus the steps the ledger counts (0: none lost, none doubled),
     *                               or -1 if a shard's checkpoint is not its last acknowledged step
     */
    record Result(int parts, double offeredStepsPerSecond, double achievedStepsPerSecond, long steps, long failedSteps,
                  DynamoDbLimitModel.Stats model, long lostOrDoubled, long leaseConflicts) {
    }

    private LedgerLoad() {
    }

    /**
     * {@code bench --only ledgerload}: 100, 500 and 1,000 steps/s (6,000, 30,000 and 60,000 calls a minute) through
     * the limit model: the design before #33 (every step's transaction writes one counter item and one minute item),
     * its first step (16 counter items and minute parts, by shard number), and this one (each worker its own).
     * Target: this design achieves at least 0.95 of 1,000 steps/s, and every acknowledged step is counted once.
     *
     * <p>DynamoDB Local on two cores commits about 400 of these transactions a second, so the runs are slowed by a
     * factor {@code k} (4 unless {@code -Dbench.ledgerDilation}): offered rate / k, write units per item / k,
     * transaction time × k. Every rule of the model depends only on rate per item against those two, which dilation
     * keeps; the figures are given in model steps/s (real × k). What it does not keep: the SDK's and the ledger's
     * retry back-offs are not stretched, so a retrying design looks up to k times better than it would on AWS.
     */
    static void bench(BenchParts out) throws Exception {
        int seconds = Integer.getInteger("bench.ledgerSeconds", 15);
        int workers = Integer.getInteger("bench.ledgerWorkers", 200);
        int k = Integer.getInteger("bench.ledgerDilation", 4);
        Duration hold = Duration.ofMillis(Integer.getInteger("bench.ledgerHoldMillis", 25));
        try (DynamoDbLimitModel model = DynamoDbLimitModel.start(com.synapbackfill.embedded.RealParts.dynamo(), hold.multipliedBy(k), 1000.0 / k)) {
            com.synapbackfill.config.AwsClients aws = new com.synapbackfill.config.AwsClients(
                    new com.synapbackfill.config.Settings.Endpoints(model.endpoint(), null, null, null));
            String table = "ledger-load-" + UUID.randomUUID().toString().substring(0, 8);
            com.synapbackfill.ledger.LedgerTable.createIfMissing(aws.dynamo(), table);
            for (int parts : new int[] {1, 16, DynamoDbLedger.PER_WORKER}) {
                for (double offered : new double[] {100, 500, 1000}) {
                    Result r = run(aws.dynamo(), model, table, parts, offered / k, seconds, workers);
                    double achieved = r.achievedStepsPerSecond() * k;
                    double share = achieved / offered;
                    boolean after = parts == DynamoDbLedger.PER_WORKER;
                    Boolean pass = r.lostOrDoubled() == 0 ? null : Boolean.FALSE;
                    if (after && offered == 1000) pass = share >= 0.95 && r.lostOrDoubled() == 0;
                    String name = String.format("ledger_%s_%d_steps", after ? "per_worker" : parts == 1 ? "before_33" : "16_parts",
                            (int) offered);
                    out.record(name, Map.of("offeredStepsPerSecond", offered, "workers", workers, "seconds", seconds,
                                    "counterParts", after ? "one per worker" : parts, "transactionMillis", hold.toMillis(),
                                    "wcuPerItem", 1000, "dilation", k),
                            Map.of("achievedStepsPerSecond", Math.round(achieved * 10) / 10.0, "achievedShare",
                                    Math.round(share * 1000) / 1000.0, "steps", r.steps(), "failedSteps", r.failedSteps(),
                                    "transactionsCommitted", r.model().transactions(), "transactionConflicts", r.model().transactionConflicts(),
                                    "transactionThrottles", r.model().transactionThrottles(), "lostOrDoubled", r.lostOrDoubled(),
                                    "leaseConflicts", r.leaseConflicts()),
                            String.format("%.0f of %.0f steps/s = %.3f; %d conflicts, %d throttles, %d steps failed and retaken; lost or doubled %d",
                                    achieved, offered, share, r.model().transactionConflicts(),
                                    r.model().transactionThrottles(), r.failedSteps(), r.lostOrDoubled()),
                            after && offered == 1000 ? ">= 0.95 of offered, none lost or doubled" : "none lost or doubled", pass);
                }
            }
        }
    }

    static Result run(DynamoDbClient dynamo, DynamoDbLimitModel model, String table, int parts, double offered,
                      int seconds, int workers) throws Exception {
        Ledger ledger = new DynamoDbLedger(dynamo, table, Clock.systemUTC(), parts);
        String runId = "load-" + UUID.randomUUID().toString().substring(0, 8);
        int shardCount = (int) Math.ceil(offered * seconds / STEPS_PER_SHARD) + workers * 2;
        plan(ledger, runId, shardCount);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < shardCount; i++) order.add(i);
        Collections.shuffle(order, new java.util.Random(33));
        ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>(order);

        DynamoDbLimitModel.Stats before = model.stats();
        Semaphore permits = new Semaphore(0);
        long t0 = System.nanoTime();
        long end = t0 + seconds * 1_000_000_000L;
        ScheduledExecutorService pacer = pace(permits, t0, end, offered);

        AtomicLong inWindow = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong conflicts = new AtomicLong();
        Map<Integer, Integer> lastAcked = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            String owner = "w" + w;
            Thread t = new Thread(() -> {
                try {
                    Integer shard;
                    while (System.nanoTime() < end && (shard = queue.poll()) != null) {
                        ShardState st = ledger.claim(runId, shard, owner, LEASE);
                        for (int k = 1; k <= STEPS_PER_SHARD; k++) {
                            if (!permits.tryAcquire(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS)) return;
                            st = step(ledger, runId, st, k, failed);
                            if (st == null) {
                                conflicts.incrementAndGet();
                                break;
                            }
                            lastAcked.put(shard, k);
                            acked.incrementAndGet();
                            if (System.nanoTime() <= end) inWindow.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ledger-load-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        pacer.shutdownNow();
        DynamoDbLimitModel.Stats after = model.stats();

        return new Result(parts, offered, inWindow.get() / (double) seconds, acked.get(), failed.get(), minus(after, before),
                lostOrDoubled(ledger, runId, acked.get(), lastAcked), conflicts.get());
    }

    /** Releases {@code offered} permits a second from {@code t0} until {@code end}, every 5 ms what is due. */
    private static ScheduledExecutorService pace(Semaphore permits, long t0, long end, double offered) {
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        AtomicLong released = new AtomicLong();
        pacer.scheduleAtFixedRate(() -> {
            long now = Math.min(System.nanoTime(), end);
            long due = (long) ((now - t0) / 1e9 * offered);
            long n = due - released.get();
            if (n > 0) {
                released.addAndGet(n);
                permits.release((int) n);
            }
        }, 0, 5, TimeUnit.MILLISECONDS);
        return pacer;
    }

    /**
     * Acknowledged steps the run's totals lack (negative: counted twice); -1 when any shard's checkpoint or count is not
     * its last acknowledged step's.
     */
    private static long lostOrDoubled(Ledger ledger, String runId, long acked, Map<Integer, Integer> lastAcked) {
        long counted = ledger.run(runId).orElseThrow().counters().rowsRead() / ROWS_PER_STEP;
        long lostOrDoubled = acked - counted;
        for (ShardState s : allShards(ledger, runId)) {
            Integer k = lastAcked.get(s.shard().shardNo());
            String want = k == null ? null : checkpoint(s.shard().shardNo(), k);
            long inShard = s.counters().rowsRead() / ROWS_PER_STEP;
            if (!java.util.Objects.equals(want, s.checkpoint()) || inShard != (k == null ? 0 : k)) lostOrDoubled = -1;
        }
        return lostOrDoubled;
    }

    /** One step, taken up again from the ledger's word until it is acknowledged; null if the lease was lost. */
    private static ShardState step(Ledger ledger, String runId, ShardState st, int k, AtomicLong failed) {
        String cp = checkpoint(st.shard().shardNo(), k);
        while (true) {
            try {
                return ledger.advance(st, cp, new Counters(ROWS_PER_STEP, ROWS_PER_STEP, 0, 0, 0, 1, 0),
                        CallStats.of(List.of(300L)), k == STEPS_PER_SHARD, LEASE);
            } catch (RetryableException e) {
                failed.incrementAndGet();
                ShardState now = ledger.shard(runId, st.shard().shardNo()).orElseThrow();
                if (cp.equals(now.checkpoint())) return now; // it committed; the answer was what failed
                st = now;
            } catch (LeaseConflictException e) {
                return null;
            }
        }
    }

    static String checkpoint(int shard, int k) {
        return Long.toString((long) shard * 1000 + k * 10L);
    }

    private static void plan(Ledger ledger, String runId, int shards) {
        RunConfig cfg = RunConfig.builder(SourceConfig.of("turns")).build();
        long now = System.currentTimeMillis();
        ledger.createRun(new RunState(runId, RunStatus.PLANNING, null, cfg, IdType.BIGINT, 0, 0, 0, Counters.ZERO, now, now, 0));
        List<ShardState> list = new ArrayList<>();
        for (int i = 0; i < shards; i++)
            list.add(ShardState.pending(new Shard(runId, i, Long.toString(i * 1000L + 1), false, Long.toString(i * 1000L + 1000), IdType.BIGINT)));
        ledger.putShards(runId, list, shards * 1000L);
        ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
    }

    private static List<ShardState> allShards(Ledger ledger, String runId) {
        List<ShardState> out = new ArrayList<>();
        int after = -1;
        while (true) {
            List<ShardState> page = ledger.shards(runId, after, 1000);
            if (page.isEmpty()) return out;
            out.addAll(page);
            after = page.get(page.size() - 1).shard().shardNo();
        }
    }

    private static DynamoDbLimitModel.Stats minus(DynamoDbLimitModel.Stats a, DynamoDbLimitModel.Stats b) {
        return new DynamoDbLimitModel.Stats(a.transactions() - b.transactions(), a.transactionConflicts() - b.transactionConflicts(),
                a.transactionThrottles() - b.transactionThrottles(), a.writes() - b.writes(), a.writeConflicts() - b.writeConflicts(),
                a.writeThrottles() - b.writeThrottles());
    }
}
