package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
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
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** FailureRetrier with in-memory fakes: a finished run's failures, the source fixed (or not), retried. */
class FailureRetrierTest {
    static final String RUN = "run-retry";
    InMemoryLedger ledger;
    Fakes.Synap synap;
    List<Turn> rows;
    FailureRetrier retrier;

    static Turn empty(long id) {
        Turn t = Fakes.turn(id);
        return new Turn(t.id(), t.userId(), t.customerId(), t.conversationId(), t.messageIndex(), "  ", null, t.createdAt());
    }

    @BeforeEach
    void runWithTwoFailures() {
        ledger = new InMemoryLedger(Clock.systemUTC());
        synap = new Fakes.Synap();
        rows = new ArrayList<>();
        for (long i = 1; i <= 50; i++) rows.add(i == 10 ? empty(i) : Fakes.turn(i));
        String twenty = documentIdOf(20);
        synap.itemError = d -> twenty.equals(d.documentId()) ? "invalid payload" : null;
        Fakes.Source source = new Fakes.Source(rows);
        RunResources res = new RunResources() {
            @Override public TurnSource source() { return source; }
            @Override public SynapApi synap() { return synap; }
            @Override public void close() { }
        };
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).build();
        long now = System.currentTimeMillis();
        ledger.createRun(new RunState(RUN, RunStatus.PLANNING, null, config, IdType.BIGINT, 50, 0, 0, Counters.ZERO, now, now, 0));
        ledger.putShards(RUN, List.of(ShardState.pending(new Shard(RUN, 0, "1", false, "50", IdType.BIGINT))), 50);
        ledger.transition(RUN, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
        retrier = new FailureRetrier(ledger, run -> res, Clock.systemUTC());
        assertThatThrownBy(() -> retrier.retry(RUN, null, line -> { }))
                .as("a running run's failures wait for it to stop").hasMessageContaining("RUNNING");
        ShardWorker worker = new ShardWorker(ledger, new InMemoryShardQueue(), run -> res,
                new WorkerOptions("w", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ZERO), Clock.systemUTC(),
                ShardWorker.CrashPoints.NONE, WorkerMetrics.NONE);
        assertThat(worker.process(ShardMessage.first(RUN, 0), () -> 60_000)).isEqualTo(ShardWorker.Outcome.DONE);
        assertThat(ledger.run(RUN).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(counters()).isEqualTo(new Counters(50, 48, 0, 2, 0, 1, 0));
    }

    String documentIdOf(long id) {
        return new com.synapbackfill.source.DocumentMapper(RunConfig.builder(SourceConfig.of("turns")).build(), RUN)
                .map(Fakes.turn(id)).documentId();
    }

    Counters counters() {
        return ledger.run(RUN).orElseThrow().counters();
    }

    Map<String, FailureRecord> failures() {
        Map<String, FailureRecord> m = new java.util.TreeMap<>();
        for (FailureRecord f : ledger.failures(RUN, null, 100)) m.put(f.sourceId(), f);
        return m;
    }

    @Test
    void rowsStillBadStayFailedWithTheirReasonAndNothingMoves() {
        FailureRetrier.Result r = retrier.retry(RUN, null, line -> { });
        assertThat(r.retried()).isEqualTo(2);
        assertThat(r.resolved()).isZero();
        assertThat(r.stillFailing()).containsEntry("bad_row:empty_text", 1L).containsEntry("item_failed", 1L);
        assertThat(r.calls()).isEqualTo(1);
        assertThat(counters().failed()).isEqualTo(2);
        assertThat(failures().get("10").attempts()).isEqualTo(2);
        assertThat(failures().get("20").message()).contains("invalid payload");
        assertThat(failures().values()).noneMatch(FailureRecord::resolved);
    }

    @Test
    void fixedRowsAreSentOnceResolvedAndCountedAsAccepted() {
        rows.set(9, Fakes.turn(10));
        synap.itemError = d -> null;
        FailureRetrier.Result r = retrier.retry(RUN, null, line -> { });
        assertThat(r.accepted()).isEqualTo(2);
        assertThat(r.stillFailingTotal()).isZero();
        assertThat(counters()).isEqualTo(new Counters(50, 50, 0, 0, 0, 1, 0));
        assertThat(failures().values()).allMatch(FailureRecord::resolved);
        assertThat(synap.stored).hasSize(50);
        int calls = synap.calls.size();
        FailureRetrier.Result again = retrier.retry(RUN, null, line -> { });
        assertThat(again.retried()).as("resolved failures are not retried").isZero();
        assertThat(synap.calls).hasSize(calls);
        assertThat(counters().accepted()).isEqualTo(50);
    }

    @Test
    void aRowSynapAlreadyHasIsResolvedAsAlreadyPresent() {
        synap.itemError = d -> null;
        synap.stored.add(documentIdOf(20)); // e.g. a manual import since
        FailureRetrier.Result r = retrier.retry(RUN, "item_failed", line -> { });
        assertThat(r.retried()).as("the reason filter leaves the bad row out").isEqualTo(1);
        assertThat(r.alreadyPresent()).isEqualTo(1);
        assertThat(counters()).isEqualTo(new Counters(50, 48, 1, 1, 0, 1, 0));
        assertThat(failures().get("10").resolved()).isFalse();
    }

    @Test
    void aRowGoneFromTheSourceStaysFailedAsMissing() {
        String key = failures().get("10").key();
        rows.remove(9);
        FailureRetrier.Result r = retrier.retry(RUN, "bad_row:", line -> { });
        assertThat(r.stillFailing()).containsExactly(Map.entry(FailureRetrier.MISSING, 1L));
        FailureRecord f = failures().get("10");
        assertThat(f.errorClass()).isEqualTo(FailureRetrier.MISSING);
        assertThat(f.key()).as("the same failure item, under its original key").isEqualTo(key);
        assertThat(ledger.failures(RUN, null, 100)).hasSize(2);
    }

    /** The run as a capped run leaves it: {@code cap} credits at one a document, all of it spent by the 48 accepted. */
    void cappedAt(long cap, int batchSize) {
        RunState run = ledger.run(RUN).orElseThrow();
        ledger.updateConfig(RUN, run.config().toBuilder().maxCredits(cap).batchSize(batchSize).build());
        ledger.setCreditsReserved(RUN, java.math.BigDecimal.valueOf(48));
    }

    @Test
    void aRetrySpendsFromTheRunsCreditCapAndStopsAtItWithTheRestUnresolved() {
        rows.set(9, Fakes.turn(10));
        synap.itemError = d -> null;
        cappedAt(48, 1);
        int calls = synap.calls.size();
        FailureRetrier.Result none = retrier.retry(RUN, null, line -> { });
        assertThat(none.stoppedAtCap()).contains("credit cap is reached").contains("--max-credits 48 caps the run at 48 documents")
                .contains("backfill retry-failures run-retry --max-credits N");
        assertThat(synap.calls).as("the cap is spent: nothing is sent").hasSize(calls);
        assertThat(none.retried()).isZero();
        assertThat(counters().failed()).isEqualTo(2);
        assertThat(failures().values()).noneMatch(FailureRecord::resolved);

        cappedAt(49, 1);
        FailureRetrier.Result one = retrier.retry(RUN, null, line -> { });
        assertThat(one.stoppedAtCap()).isNotNull();
        assertThat(one.accepted()).as("room for one document").isEqualTo(1);
        assertThat(synap.stored).hasSize(49);
        assertThat(counters()).isEqualTo(new Counters(50, 49, 0, 1, 0, 1, 0));
        assertThat(ledger.creditsReserved(RUN)).isEqualByComparingTo("49");

        ledger.updateConfig(RUN, ledger.run(RUN).orElseThrow().config().toBuilder().maxCredits(50L).build());
        FailureRetrier.Result rest = retrier.retry(RUN, null, line -> { });
        assertThat(rest.stoppedAtCap()).isNull();
        assertThat(rest.accepted()).isEqualTo(1);
        assertThat(counters()).isEqualTo(new Counters(50, 50, 0, 0, 0, 1, 0));
    }

    @Test
    void aResendOfFailedExtractionsSpendsFromTheSameCap() {
        cappedAt(48, 100);
        int calls = synap.calls.size();
        FailureRetrier.ExtractionResend r = retrier.resendExtractions(RUN, List.of("1", "2", "3"), line -> { });
        assertThat(r.stoppedAtCap()).contains("credit cap is reached");
        assertThat(r.resent()).isZero();
        assertThat(synap.calls).hasSize(calls);
    }
}
