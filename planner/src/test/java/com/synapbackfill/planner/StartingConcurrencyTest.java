package com.synapbackfill.planner;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.model.RunConfig;
import com.synapbackfill.source.SourceConfig;
import org.junit.jupiter.api.Test;

/** What estimate prints as "run starts with" is what start chooses: the formula, capped by the shards it cuts. */
class StartingConcurrencyTest {
    static RunConfig config(int ratePerMinute) {
        return RunConfig.builder(SourceConfig.of("turns")).rateLimitPerMinute(ratePerMinute).build();
    }

    @Test
    void aLargeTableGetsTheFormulasWorkers() {
        RunSizing.Starting s = RunSizing.starting(config(600), 1_000_000, 1.5);
        assertThat(s.formulaConcurrency()).isEqualTo(ConcurrencyTuner.recommend(10, 0.5, 1.5));
        assertThat(s.concurrency()).isEqualTo(s.formulaConcurrency());
        assertThat(s.capReason()).isNull();
        assertThat(s.shards()).isEqualTo(50); // 20,000 rows a shard
    }

    @Test
    void aSmallTableIsCappedAtItsShardsAndSaysSo() {
        RunSizing.Starting s = RunSizing.starting(config(6_000), 3_000, 1.5);
        assertThat(s.shards()).isEqualTo(3); // shards are never smaller than 1,000 rows
        assertThat(s.concurrency()).isEqualTo(3).isLessThan(s.formulaConcurrency());
        assertThat(s.capReason()).isEqualTo("capped at the run's 3 shards (a shard is leased to one worker at a time)");
    }

    @Test
    void oneShardStillGetsTheMappingsMinimumOfTwo() {
        RunSizing.Starting s = RunSizing.starting(config(6), 10, 1.5);
        assertThat(s.shards()).isEqualTo(1);
        assertThat(s.concurrency()).isEqualTo(2);
        assertThat(s.formulaConcurrency()).isEqualTo(2); // the formula's own floor
        assertThat(s.capReason()).isNull();
    }
}
