package com.synapbackfill.limit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateWindowsTest {
    @Test
    void quotasAddUpToTheLimitEveryMinuteWithoutRoundingUp() {
        long now = 1_795_000_000_000L; // an epoch-sized window index must not overflow
        for (int limit : new int[] {1, 7, 100, 600, 601, 3000, 59_999, 1_000_000}) {
            RateWindows w = new RateWindows(limit, 1);
            long first = w.windowOf(now - now % 60_000);
            long perMinute = 0;
            long perSecondMax = 0;
            long second = 0;
            for (long i = 0; i < 60_000 / w.windowMillis(); i++) {
                perMinute += w.quota(first + i);
                second += w.quota(first + i);
                if ((i + 1) * w.windowMillis() % 1000 == 0) {
                    perSecondMax = Math.max(perSecondMax, second);
                    second = 0;
                }
            }
            assertThat(perMinute).as("limit %d", limit).isEqualTo(limit);
            if (w.windowMillis() <= 1000) assertThat(perSecondMax).as("limit %d per second", limit).isLessThanOrEqualTo((long) Math.ceil(limit / 60.0));
        }
    }

    @Test
    void windowsHoldAboutTwoPermitsBetweenATenthAndOneSecond() {
        assertThat(new RateWindows(600, 1).windowMillis()).isEqualTo(200); // 10/s → 2 per 200 ms
        assertThat(new RateWindows(600, 1).quota(1234)).isEqualTo(2);
        assertThat(new RateWindows(3000, 1).windowMillis()).isEqualTo(200); // high rates: >= 10 permits a window
        assertThat(new RateWindows(60, 1).windowMillis()).isEqualTo(2000); // slow limits: two permits per window still
    }

    @Test
    void documentUnitWidensTheWindowSoOneBatchFits() {
        RateWindows w = new RateWindows(600, 100); // 600 docs/min, batches of 100
        assertThat(w.windowMillis()).isEqualTo(10_000);
        assertThat(w.quota(3)).isEqualTo(100);
    }
}
