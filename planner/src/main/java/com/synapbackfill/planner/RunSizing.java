package com.synapbackfill.planner;

import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.Shard;
import com.synapbackfill.source.ShardPlanner;
import com.synapbackfill.source.SourceProfile;
import com.synapbackfill.source.TurnSource;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The planner's arithmetic, apart from its actions: how many documents a run will send, rows per shard, the
 * workers it starts with (and {@code estimate} prints), and the p95 latency {@code status} shows and {@code tune}
 * sizes by. {@link ConcurrencyTuner#recommend} is the formula itself.
 */
public final class RunSizing {
    /** The Synap latency assumed before a run has measured one. */
    static final double ASSUMED_LATENCY_SECONDS = 0.5;

    private RunSizing() {
    }

    /** Pages read at planning to learn how many documents a source row makes (skipped and bad rows make none). */
    static final int DOCUMENT_SAMPLE_SHARDS = 5;
    static final int DOCUMENT_SAMPLE_PAGE = 100;

    /**
     * Documents the run is expected to send: the estimated rows times the documents per row that the first page of up
     * to five shards spread over the table makes (a turn row makes at most one; a message table about one per two
     * messages; a conversation row one per turn).
     */
    /** As {@link #documents(TurnSource, RunConfig, List, long)} before any shard is cut: five cut from a small sample. */
    public static long documents(TurnSource source, RunConfig config, SourceProfile profile) {
        if (profile.empty()) return 0;
        List<String> sample = source.sampleIds(200);
        int perShard = (int) Math.max(1, Math.min(Integer.MAX_VALUE, profile.estimatedRows() / DOCUMENT_SAMPLE_SHARDS));
        return documents(source, config, ShardPlanner.plan("preflight", profile, perShard, sample), profile.estimatedRows());
    }

    static long documents(TurnSource source, RunConfig config, List<Shard> shards, long estimatedRows) {
        if (shards.isEmpty() || estimatedRows <= 0) return 0;
        long units = 0;
        long documents = 0;
        int step = Math.max(1, shards.size() / DOCUMENT_SAMPLE_SHARDS);
        for (int i = 0; i < shards.size() && i / step < DOCUMENT_SAMPLE_SHARDS; i += step) {
            java.util.Set<String> conversations = new java.util.HashSet<>();
            for (com.synapbackfill.model.Turn t : source.readPage(shards.get(i), null, DOCUMENT_SAMPLE_PAGE)) {
                if (config.source().conversationShape()) conversations.add(String.valueOf(t.conversationId()));
                else units += config.source().messageShape() ? t.messages() : 1;
                if (!t.skipped() && t.problem() == null) documents++;
            }
            units += conversations.size();
        }
        if (units == 0) return estimatedRows;
        return (long) Math.ceil(estimatedRows * (double) documents / units);
    }

    /** Smallest shard the planner cuts to make room for more workers (smaller ones cost more in leases than they win). */
    static final int MIN_SHARD_ROWS = 1_000;

    static double requestsPerSecond(RunConfig c) {
        return c.rateLimitPerMinute() / 60.0 / (c.rateLimitUnit() == RunConfig.RateLimitUnit.CALL ? 1 : c.batchSize());
    }

    /**
     * Rows per shard: the configured target, made smaller when the table would otherwise have fewer than two
     * shards per worker the rate limit needs (one shard is worked by one worker at a time, so a table of five
     * shards can never use twelve workers), but not below {@link #MIN_SHARD_ROWS}.
     */
    static int shardRows(RunConfig c, long estimatedRows, int workers) {
        long forWorkers = (long) Math.ceil(estimatedRows / (2.0 * workers));
        return (int) Math.max(Math.min(c.shardTargetRows(), forWorkers), Math.min(c.shardTargetRows(), MIN_SHARD_ROWS));
    }

    /** More workers than shards cannot help: each shard is leased to one worker at a time. */
    /**
     * What {@code start} will choose for a table of {@code estimatedRows}: {formula's workers, shards, the workers
     * it starts with}, and why the last differs from the first (null when it does not). {@code estimate} prints it.
     */
    public static Starting starting(RunConfig c, long estimatedRows, double headroom) {
        int formula = ConcurrencyTuner.recommend(requestsPerSecond(c), ASSUMED_LATENCY_SECONDS, headroom);
        int perShard = shardRows(c, estimatedRows, formula);
        int shards = (int) Math.max(1, Math.min(ShardPlanner.MAX_SHARDS, (estimatedRows + perShard - 1) / perShard));
        int concurrency = capped(formula, shards);
        String why = concurrency < formula ? "capped at the run's " + shards + " shards (a shard is leased to one worker at a time)"
                : concurrency > formula ? "raised to 2, the event source mapping's minimum" : null;
        return new Starting(formula, shards, concurrency, why);
    }

    /** See {@link #starting}. */
    public record Starting(int formulaConcurrency, int shards, int concurrency, String capReason) {
    }

    static int capped(int concurrency, int shards) {
        return Math.max(2, Math.min(concurrency, shards));
    }

    /**
     * The p95 latency to show: interpolated inside the histogram bucket it falls in (a p95 of 410 ms reads ~420, not
     * the bucket's bound of 600). {@link #p95} keeps the bound for tune, which should rather over- than under-provision.
     */
    static long p95Estimate(SortedMap<Long, Long> histogram) {
        long total = histogram.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) return 0;
        double target = total * 0.95;
        long seen = 0;
        long lower = 0;
        for (Map.Entry<Long, Long> e : histogram.entrySet()) {
            long upper = e.getKey() == Long.MAX_VALUE ? 60_000 : e.getKey();
            int i = java.util.Arrays.binarySearch(LATENCY_BOUNDS, e.getKey());
            lower = i > 0 ? LATENCY_BOUNDS[i - 1] : 0;
            if (seen + e.getValue() >= target) {
                double within = (target - seen) / e.getValue();
                return Math.round(lower + within * (upper - lower));
            }
            seen += e.getValue();
        }
        return histogram.lastKey() == Long.MAX_VALUE ? 60_000 : histogram.lastKey();
    }

    private static final long[] LATENCY_BOUNDS = com.synapbackfill.ledger.MetricsLedger.LATENCY_BUCKETS_MS;

    static long p95(SortedMap<Long, Long> histogram) {
        long total = histogram.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) return 0;
        long seen = 0;
        for (Map.Entry<Long, Long> e : histogram.entrySet()) {
            seen += e.getValue();
            if (seen >= Math.ceil(total * 0.95)) return e.getKey() == Long.MAX_VALUE ? 60_000 : e.getKey();
        }
        return histogram.lastKey();
    }
}
