package com.synapbackfill.planner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** status shows a p95 inside its histogram bucket; tune keeps the bucket's upper bound (#18 item 18). */
class P95Test {
    @Test
    void theShownP95IsInterpolatedInsideItsBucketAndTuneKeepsTheBound() {
        // 1,000 calls: 900 in (300, 400] ms, 100 in (400, 600] ms: the 950th call is halfway into the (400, 600] bucket
        TreeMap<Long, Long> h = new TreeMap<>();
        h.put(400L, 900L);
        h.put(600L, 100L);
        assertThat(RunSizing.p95Estimate(h)).isEqualTo(500);
        assertThat(RunSizing.p95(h)).isEqualTo(600);
        // a few over 400 only: just above it
        h.put(400L, 945L);
        h.put(600L, 55L);
        assertThat(RunSizing.p95Estimate(h)).isEqualTo(418);
        // everything in the first bucket, nothing measured, the open last bucket
        assertThat(RunSizing.p95Estimate(new TreeMap<>(java.util.Map.of(50L, 10L)))).isEqualTo(48);
        assertThat(RunSizing.p95Estimate(new TreeMap<>())).isZero();
        assertThat(RunSizing.p95Estimate(new TreeMap<>(java.util.Map.of(Long.MAX_VALUE, 3L)))).isBetween(30_000L, 60_000L);
    }
}
