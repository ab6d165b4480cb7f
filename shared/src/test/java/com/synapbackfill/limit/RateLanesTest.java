package com.synapbackfill.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RateLanesTest {
    @Test
    void lanesGrowWithTheRateSoThatNoLaneTakesMoreThanTwoWritesASecond() {
        assertThat(new RateLanes(600, 1).lanes()).isEqualTo(5);
        assertThat(new RateLanes(6000, 1).lanes()).isEqualTo(50);
        assertThat(new RateLanes(60_000, 1).lanes()).isEqualTo(500);
        assertThat(new RateLanes(60, 1).lanes()).isEqualTo(1);
        assertThat(new RateLanes(1, 1).lanes()).isEqualTo(1);
        // document units: 60,000 documents a minute in calls of up to 100 is 600 acquires a minute
        assertThat(new RateLanes(60_000, 100).lanes()).isEqualTo(5);
        for (int limit : new int[] {1, 7, 60, 599, 600, 601, 6000, 12_345, 60_000}) {
            RateLanes l = new RateLanes(limit, 1);
            assertThat(limit / (double) l.lanes() / 60).as("acquires a second per lane at %d/min", limit).isLessThanOrEqualTo(2.0);
            assertThat(l.fleetRate()).as("fleet rate at %d/min", limit).isLessThanOrEqualTo(limit)
                    .isGreaterThanOrEqualTo((long) Math.floor(limit * 0.99) - l.lanes());
        }
        assertThatThrownBy(() -> new RateLanes(0, 1)).hasMessageContaining("rateLimitPerMinute must be >= 1, was 0");
    }

    /**
     * One lane booked back to back by acquires of random sizes: the permits whose slots fall within any 60 s are at
     * most the lane's share of the limit, so all lanes together never beat the limit in any sliding minute.
     */
    @Test
    void aLanesSlotsWithinAnyMinuteNeverHoldMoreThanItsShare() {
        Random rnd = new Random(7);
        for (int[] c : new int[][] {{600, 1}, {6000, 1}, {650, 1}, {60_000, 100}, {3000, 100}, {90, 1}}) {
            RateLanes l = new RateLanes(c[0], c[1]);
            long share = c[0] / l.lanes();
            List<long[]> slots = new ArrayList<>(); // {micros, permits}
            long next = 0;
            for (int i = 0; i < 2000; i++) {
                int permits = c[1] == 1 ? 1 : 1 + rnd.nextInt(c[1]);
                long now = next - (rnd.nextInt(3) == 0 ? 0 : 1); // booked ahead, or exactly at a lane's idle moment
                long slot = Math.max(next, now);
                slots.add(new long[] {slot, permits});
                next = slot + l.spacingMicros(permits, 1.0);
            }
            for (int i = 0; i < slots.size(); i++) {
                long sum = 0;
                for (int j = i; j < slots.size() && slots.get(j)[0] < slots.get(i)[0] + 60_000_000L; j++) sum += slots.get(j)[1];
                assertThat(sum).as("permits in the minute from slot %d at %d/min (max %d a call)", i, c[0], c[1]).isLessThanOrEqualTo(share);
            }
        }
    }

    @Test
    void aLowerFactorSpacesSlotsFurtherApart() {
        RateLanes l = new RateLanes(6000, 1);
        assertThat(l.perLaneRate()).isEqualTo(120); // 6000 / 50 lanes
        assertThat(l.spacingMicros(1, 1.0)).isEqualTo(500_000); // 60 s / 120
        assertThat(l.spacingMicros(1, 0.5)).isEqualTo(1_000_000);
        assertThat(l.spacingMicros(3, 1.0)).isEqualTo(1_500_000);
        assertThat(new RateLanes(650, 1).spacingMicros(1, 1.0)).isEqualTo(555_556); // 6 lanes of 108: 60 s / 108, rounded up
    }
}
