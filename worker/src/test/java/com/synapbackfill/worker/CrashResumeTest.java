package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.Turn;
import com.synapbackfill.queue.InMemoryShardQueue;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash anywhere, resume, and nothing is lost or doubled (Flink's testReaderCheckpoints, on fakes): for every
 * crash point and every k, the worker dies at the k-th time it reaches that point; a new worker on the same
 * ledger takes the shard once the lease lapses and works it to DONE. Then every valid row is stored once in
 * Synap, every bad row has its failure item, and the counters add up to the rows.
 */
class CrashResumeTest {
    static final String RUN = "run-crash";
    static final int ROWS = 730;

    /** The process dying at a crash point. */
    static final class Died extends RuntimeException {
        Died(String where) {
            super(where);
        }
    }

    /** A clock the test moves (leases lapse without waiting). */
    static final class TestClock extends Clock {
        long now = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochMilli(now); }
    }

    static Stream<Arguments> crashes() {
        List<Arguments> out = new ArrayList<>();
        for (String point : List.of("afterBatchCall", "afterFailureItems", "betweenPages"))
            for (int k = 1; k <= 8; k++) out.add(Arguments.of(point, k)); // 9 pages of 90, 18 calls of 40: every k is reached
        return out.stream();
    }

    @ParameterizedTest(name = "die {0} #{1}")
    @MethodSource("crashes")
    void noGapNoDuplicateAndTheCountersAddUp(String point, int k) {
        List<Turn> rows = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (long i = 1; i <= ROWS; i++) {
            boolean broken = i % 61 == 0;
            if (broken) bad.add(Long.toString(i));
            rows.add(new Turn(Long.toString(i), "u-1", null, "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162", i, broken ? null : "hello " + i,
                    broken ? null : "hi", Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i)));
        }
        TestClock clock = new TestClock();
        InMemoryLedger ledger = new InMemoryLedger(clock);
        InMemoryShardQueue queue = new InMemoryShardQueue();
        Fakes.Synap synap = new Fakes.Synap();
        Fakes.Source source = new Fakes.Source(rows);
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).pageSize(90).batchSize(40).build();
        ledger.createRun(new RunState(RUN, RunStatus.PLANNING, null, config, IdType.BIGINT, ROWS, 0, 0, Counters.ZERO, clock.millis(), clock.millis(), 0));
        ledger.putShards(RUN, List.of(ShardState.pending(new Shard(RUN, 0, "1", false, Integer.toString(ROWS), IdType.BIGINT))), ROWS);
        ledger.transition(RUN, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);

        int[] reached = {0};
        ShardWorker.CrashPoints dying = new ShardWorker.CrashPoints() {
            void at(String here) {
                if (here.equals(point) && ++reached[0] == k) throw new Died(here + " #" + k);
            }

            @Override public void afterBatchCall(String runId, int shardNo) { at("afterBatchCall"); }
            @Override public void afterFailureItems(String runId, int shardNo) { at("afterFailureItems"); }
            @Override public void betweenPages(String runId, int shardNo) { at("betweenPages"); }
        };
        boolean died = false;
        try {
            assertThat(worker(ledger, queue, synap, source, clock, "w1", dying).process(ShardMessage.first(RUN, 0), () -> 600_000))
                    .isEqualTo(ShardWorker.Outcome.DONE);
        } catch (Died d) {
            died = true;
        }
        assertThat(died).as("the worker died at " + point + " #" + k).isTrue();
        clock.now += Duration.ofSeconds(31).toMillis(); // the dead worker's lease lapses
        ShardWorker.Outcome outcome = worker(ledger, queue, synap, source, clock, "w2", ShardWorker.CrashPoints.NONE)
                .process(ShardMessage.first(RUN, 0), () -> 600_000);
        assertThat(outcome).isEqualTo(ShardWorker.Outcome.DONE);

        List<String> valid = rows.stream().map(Turn::id).filter(id -> !bad.contains(id)).toList();
        assertThat(synap.stored).as("no gap").hasSize(valid.size());
        long sent = synap.calls.stream().mapToLong(List::size).sum();
        RunState run = ledger.run(RUN).orElseThrow();
        Counters c = run.counters();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(c.rowsRead()).as("every row counted once").isEqualTo(ROWS);
        assertThat(c.accepted() + c.alreadyPresent()).as("every valid row counted once, accepted or already present").isEqualTo(valid.size());
        assertThat(c.failed()).isEqualTo(bad.size());
        // what is resent is at most the one step that was sent but not yet checkpointed, and Synap knew it already
        long resent = sent - valid.size();
        assertThat(resent).isBetween(0L, point.equals("betweenPages") ? 0L : (long) config.batchSize());
        assertThat(c.alreadyPresent()).isEqualTo(resent);
        assertThat(ledger.failures(RUN, null, 1_000)).extracting(f -> f.sourceId()).containsExactlyInAnyOrderElementsOf(bad);
    }

    static ShardWorker worker(InMemoryLedger ledger, InMemoryShardQueue queue, SynapApi synap, TurnSource source, Clock clock, String owner,
                              ShardWorker.CrashPoints crash) {
        RunResources res = new RunResources() {
            @Override public TurnSource source() { return source; }
            @Override public SynapApi synap() { return synap; }
            @Override public void close() { }
        };
        return new ShardWorker(ledger, queue, run -> res, new WorkerOptions(owner, Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ZERO),
                clock, crash, WorkerMetrics.NONE);
    }
}
