package com.synapbackfill.ledger;

import java.util.List;

/** What a run measured: documents per minute, its minutes (the report page) and its latency histogram. A part of the {@link Ledger} port. */
public interface MetricsLedger {

    /** Documents handled per minute for the last {@code minutes} minutes (oldest first), for throughput. */
    List<Long> handledPerMinute(String runId, long nowMillis, int minutes);

    /**
     * The run's minutes from {@code fromMinute} to {@code toMinute} (epoch minutes, both included), oldest first; minutes
     * in which nothing happened are absent. Kept {@link LedgerTable#MINUTE_TTL_DAYS} days after their last write.
     */
    List<MinuteStats> minutes(String runId, long fromMinute, long toMinute);

    /** Latency histogram: bucket upper bound in ms (Long.MAX_VALUE for the last) → calls. */
    java.util.SortedMap<Long, Long> latencyHistogram(String runId);

    /** Histogram bucket upper bounds in milliseconds. */
    long[] LATENCY_BUCKETS_MS = {50, 100, 200, 300, 400, 600, 800, 1000, 1500, 2000, 3000, 5000, 10000, 30000, Long.MAX_VALUE};

    static int bucketOf(long millis) {
        for (int i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (millis <= LATENCY_BUCKETS_MS[i]) return i;
        return LATENCY_BUCKETS_MS.length - 1;
    }
}
