package com.synapbackfill.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void ceilingsDoubleFromTheBaseUpToTheMax() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(20), Backoff.Jitter.FULL);
        assertThat(new long[] {b.ceilingMillis(0), b.ceilingMillis(1), b.ceilingMillis(2), b.ceilingMillis(3), b.ceilingMillis(8),
                b.ceilingMillis(9), b.ceilingMillis(1_000)}).containsExactly(100, 100, 200, 400, 12_800, 20_000, 20_000);
    }

    @Test
    void fullJitterSpansZeroToTheCeilingAndTwentyPercentStaysNearIt() {
        Backoff full = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(20), Backoff.Jitter.FULL);
        assertThat(full.delay(3, () -> 0.0)).isEqualTo(Duration.ZERO);
        assertThat(full.delay(3, () -> 0.5)).isEqualTo(Duration.ofMillis(200));
        assertThat(full.delay(3, () -> 0.999_999_9)).isEqualTo(Duration.ofMillis(400));
        Backoff near = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(15), Backoff.Jitter.TWENTY_PERCENT);
        assertThat(near.delay(1, () -> 0.0)).isEqualTo(Duration.ofSeconds(4));
        assertThat(near.delay(2, () -> 0.5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(near.delay(20, () -> 0.999_999)).isLessThan(Duration.ofMinutes(18)).isGreaterThan(Duration.ofMinutes(17));
        for (int i = 0; i < 1_000; i++) assertThat(full.delay(5).toMillis()).isBetween(0L, 1_600L);
    }

    @Test
    void aBackoffThatCannotWorkIsRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ofMillis(-1), Duration.ofSeconds(1), Backoff.Jitter.FULL)).hasMessageContaining("base must be >= 0");
        assertThat(new Backoff(Duration.ZERO, Duration.ZERO, Backoff.Jitter.FULL).delay(7)).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Backoff.Jitter.FULL)).hasMessageContaining("max must be >= base");
    }
}
