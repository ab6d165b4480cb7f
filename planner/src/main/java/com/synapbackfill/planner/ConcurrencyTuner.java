package com.synapbackfill.planner;

/** Port: applies a concurrency to the worker's event source mapping (ScalingConfig.MaximumConcurrency). */
public interface ConcurrencyTuner {
    /** @return the mapping id that was updated, or null when none is configured */
    String apply(int maximumConcurrency);

    ConcurrencyTuner NONE = c -> null;

    /**
     * ceil(requests/s × p95 latency × headroom), clamped to Lambda's allowed 2..1000:
     * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
     */
    static int recommend(double requestsPerSecond, double latencySeconds, double headroom) {
        double raw = Math.ceil(requestsPerSecond * latencySeconds * headroom);
        return (int) Math.max(2, Math.min(1000, raw));
    }
}
