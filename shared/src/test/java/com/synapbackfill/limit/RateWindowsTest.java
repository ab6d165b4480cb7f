package com.synapbackfill.limit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateWindowsTest {
    @Test
    void quotasAddUpToTheLimitEveryMinuteWithoutRoundingUp() {
        for (int limit : new int[] {1, 7, 100, 600, 601, 3000, 59_999}) {
            RateWindows w = new RateWindows(limit, 1);
            long perMinute = 0;
            long windowsPerMinute = 60_000 / w.windowMillis();
            for (long i = 0; i < windowsPerMinute; i++) perMinute += w.quota(1_000_000 + i * 0 + i);
            assertThat(perMinute).as("limit %d", limit).isBetween((long) limit - 1, (long) limit + 1);
        }
        assertThat(new RateWindows(600, 1).quota(5)).isEqualTo(10);
    }

    @Test
    void documentUnitWidensTheWindowSoOneBatchFits() {
        RateWindows w = new RateWindows(600, 100); // 600 docs/min, batches of 100
        assertThat(w.windowMillis()).isEqualTo(10_000);
        assertThat(w.quota(3)).isEqualTo(100);
    }
}
