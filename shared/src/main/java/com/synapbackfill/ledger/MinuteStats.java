package com.synapbackfill.ledger;

import com.synapbackfill.model.Counters;
import java.util.Arrays;

/**
 * One minute of a run as the ledger keeps it (docs/design.md §4): what was handled, the calls with their 429s, 5xx
 * and retries, and a latency histogram over {@link MetricsLedger#LATENCY_BUCKETS_MS}. The report page draws these.
 *
 * @param minute epoch minute (epoch millis / 60,000)
 */
public record MinuteStats(long minute, long handled, long accepted, long failed, long calls, long throttled, long retries,
                          long serverErrors, long[] latency) {
    public MinuteStats {
        if (latency.length != MetricsLedger.LATENCY_BUCKETS_MS.length)
            throw new IllegalArgumentException("latency has " + latency.length + " buckets");
        latency = latency.clone();
    }

    public static MinuteStats empty(long minute) {
        return new MinuteStats(minute, 0, 0, 0, 0, 0, 0, 0, new long[MetricsLedger.LATENCY_BUCKETS_MS.length]);
    }

    /** A step's share of its minute. */
    public static MinuteStats of(long minute, Counters delta, CallStats calls) {
        long[] h = new long[MetricsLedger.LATENCY_BUCKETS_MS.length];
        for (long l : calls.latenciesMillis()) h[MetricsLedger.bucketOf(l)]++;
        return new MinuteStats(minute, delta.handled(), delta.accepted(), delta.failed(), delta.calls(), delta.throttled(),
                calls.retries(), calls.serverErrors(), h);
    }

    public MinuteStats plus(MinuteStats o) {
        long[] h = latency.clone();
        for (int i = 0; i < h.length; i++) h[i] += o.latency[i];
        return new MinuteStats(minute, handled + o.handled, accepted + o.accepted, failed + o.failed, calls + o.calls,
                throttled + o.throttled, retries + o.retries, serverErrors + o.serverErrors, h);
    }

    /** Nothing to keep: no row handled and no call made. */
    public boolean isEmpty() {
        return handled == 0 && calls == 0 && retries == 0 && serverErrors == 0;
    }

    /** The latency below which {@code q} of the minute's calls fell (a bucket's upper bound), 0 with no call. */
    public long latencyQuantile(double q) {
        long total = Arrays.stream(latency).sum();
        if (total == 0) return 0;
        long seen = 0;
        for (int i = 0; i < latency.length; i++) {
            seen += latency[i];
            if (seen >= Math.ceil(total * q)) {
                long b = MetricsLedger.LATENCY_BUCKETS_MS[i];
                return b == Long.MAX_VALUE ? 60_000 : b;
            }
        }
        return 60_000;
    }

    @Override
    public long[] latency() {
        return latency.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MinuteStats m && minute == m.minute && handled == m.handled && accepted == m.accepted && failed == m.failed
                && calls == m.calls && throttled == m.throttled && retries == m.retries && serverErrors == m.serverErrors
                && Arrays.equals(latency, m.latency);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(minute) * 31 + Arrays.hashCode(latency);
    }

    @Override
    public String toString() {
        return "MinuteStats[minute=" + minute + ", handled=" + handled + ", calls=" + calls + ", throttled=" + throttled + ", retries="
                + retries + ", serverErrors=" + serverErrors + ", latency=" + Arrays.toString(latency) + "]";
    }
}
