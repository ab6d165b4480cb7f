package com.synapbackfill.planner;

/** Port: applies a concurrency to the worker's event source mapping (ScalingConfig.MaximumConcurrency). */
public interface ConcurrencyTuner {
    /** @return the mapping id that was updated, or null when none is configured */
    String apply(int maximumConcurrency);

    ConcurrencyTuner NONE = c -> null;

    /**
     * What a worker spends per call besides Synap's latency: the checkpoint transaction, the wait for a limiter
     * window, page reads. Measured with {@code backfill bench}: without it, 8 workers reached 0.91 of the
     * 600/min ceiling and 12 reached 0.95.
     */
    double PER_CALL_OVERHEAD_SECONDS = 0.25;

    /**
     * ceil(requests/s × (p95 latency + per-call overhead) × headroom), clamped to Lambda's allowed 2..1000:
     * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
     */
    static int recommend(double requestsPerSecond, double latencySeconds, double headroom) {
        double raw = Math.ceil(requestsPerSecond * (latencySeconds + PER_CALL_OVERHEAD_SECONDS) * headroom);
        return (int) Math.max(2, Math.min(1000, raw));
    }
}
