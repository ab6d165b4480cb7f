package com.synapbackfill.planner;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.report.InMemoryReportStore;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The docs/s of status: over the last minutes, but never from before the run last became RUNNING (#18 item 12). */
class StatusRateTest {
    @Test
    void aResumedRunsRateIsItsOwnNotAveragedWithThePauseBeforeIt() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
        InMemoryLedger ledger = new InMemoryLedger(clock);
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).build();
        long t0 = clock.millis();
        ledger.createRun(new RunState("r1", RunStatus.PLANNING, null, config, IdType.BIGINT, 100_000, 0, 0, Counters.ZERO, t0, t0, 0));
        ledger.putShards("r1", List.of(ShardState.pending(new Shard("r1", 0, "1", false, "100000", IdType.BIGINT))), 100_000);
        ledger.transition("r1", EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
        PlannerService planner = new PlannerService(ledger, null, src -> null, new InMemoryReportStore(), ConcurrencyTuner.NONE,
                Optional.empty(), 1.5, clock);
        ShardState s = ledger.claim("r1", 0, "w", Duration.ofMinutes(5));
        // 40 s at 50 docs/s, then a pause of several minutes
        long id = 0;
        for (int i = 0; i < 40; i++) {
            clock.advance(Duration.ofSeconds(1));
            s = ledger.advance(s, Long.toString(id += 50), new Counters(50, 50, 0, 0, 0, 1, 0), List.of(100L), false, Duration.ofMinutes(5));
        }
        assertThat(planner.status("r1").docsPerSecond()).isEqualTo(50.0);
        ledger.transition("r1", EnumSet.of(RunStatus.RUNNING), RunStatus.PAUSED, "interrupted");
        clock.advance(Duration.ofMinutes(7).plusSeconds(20));
        ledger.transition("r1", EnumSet.of(RunStatus.PAUSED), RunStatus.RUNNING, null);
        // resumed: 20 s at 10 docs/s; the window starts at the resume, not two minutes back in the pause
        s = ledger.claim("r1", 0, "w2", Duration.ofMinutes(5));
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(1));
            s = ledger.advance(s, Long.toString(id += 10), new Counters(10, 10, 0, 0, 0, 1, 0), List.of(100L), false, Duration.ofMinutes(5));
        }
        assertThat(planner.status("r1").docsPerSecond()).isEqualTo(10.0);
        // and once the resume is minutes old, the usual two-minute window again
        for (int i = 0; i < 180; i++) {
            clock.advance(Duration.ofSeconds(1));
            s = ledger.advance(s, Long.toString(id += 20), new Counters(20, 20, 0, 0, 0, 1, 0), List.of(100L), false, Duration.ofMinutes(5));
        }
        // (the advance at a minute's first millisecond counts into it: 61 seconds of work in the 80 s window)
        assertThat(planner.status("r1").docsPerSecond()).isCloseTo(20.0, org.assertj.core.data.Offset.offset(0.5));
    }
}
