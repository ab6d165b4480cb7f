package com.synapbackfill.ledger;

import java.util.List;

/**
 * What a step's Synap calls measured beyond the counters: each answered call's latency, the attempts retried on the
 * way (429s, 5xx, timeouts, dropped connections) and the 5xx answers among them. Kept per minute for the report page.
 */
public record CallStats(List<Long> latenciesMillis, long retries, long serverErrors) {
    public static final CallStats NONE = new CallStats(List.of(), 0, 0);

    public CallStats {
        latenciesMillis = List.copyOf(latenciesMillis);
    }

    public static CallStats of(List<Long> latenciesMillis) {
        return new CallStats(latenciesMillis, 0, 0);
    }
}
