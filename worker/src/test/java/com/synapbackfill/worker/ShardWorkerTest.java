package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import com.synapbackfill.model.Turn;
import com.synapbackfill.queue.InMemoryShardQueue;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ShardWorker with in-memory fakes: batching, classification, bisection, budget, blocked, run state. */
class ShardWorkerTest {
    static final String RUN = "run-unit";
    InMemoryLedger ledger;
    InMemoryShardQueue queue;
    Fakes.Synap synap;
    Fakes.Source source;
    ShardWorker worker;
    RunConfig config;

    void setUp(List<Turn> turns, RunConfig.Builder cfg) {
        ledger = new InMemoryLedger(Clock.systemUTC());
        queue = new InMemoryShardQueue();
        synap = new Fakes.Synap();
        source = new Fakes.Source(turns);
        config = cfg.build();
        long now = System.currentTimeMillis();
        ledger.createRun(new RunState(RUN, RunStatus.PLANNING, null, config, IdType.BIGINT, turns.size(), 0, 0, Counters.ZERO, now, now, 0));
        ledger.putShards(RUN, List.of(ShardState.pending(new Shard(RUN, 0, "1", false, Long.toString(turns.size()), IdType.BIGINT))), turns.size());
        ledger.transition(RUN, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
        worker = newWorker("w1");
    }

    ShardWorker newWorker(String owner) {
        RunResources res = new RunResources() {
            @Override public TurnSource source() { return source; }
            @Override public SynapApi synap() { return synap; }
            @Override public void close() { }
        };
        return new ShardWorker(ledger, queue, run -> res, new WorkerOptions(owner, Duration.ofSeconds(30), Duration.ofMillis(100),
                Duration.ZERO), Clock.systemUTC(), ShardWorker.CrashPoints.NONE, WorkerMetrics.NONE);
    }

    static List<Turn> turns(int n) {
        List<Turn> out = new ArrayList<>();
        for (long i = 1; i <= n; i++) out.add(Fakes.turn(i));
        return out;
    }

    static RunConfig.Builder cfg() {
        return RunConfig.builder(SourceConfig.of("turns")).pageSize(250);
    }

    ShardWorker.Outcome run() {
        return worker.process(ShardMessage.first(RUN, 0), () -> 60_000);
    }

    @Test
    void sendsAtMostOneHundredDocumentsPerCallAndCompletesTheShard() {
        setUp(turns(1_050), cfg());
        assertThat(run()).isEqualTo(ShardWorker.Outcome.DONE);
        assertThat(synap.calls).allMatch(c -> c.size() <= 100);
        assertThat(synap.calls.stream().mapToInt(List::size).sum()).isEqualTo(1_050);
        assertThat(synap.stored).hasSize(1_050);
        RunState r = ledger.run(RUN).orElseThrow();
        assertThat(r.counters().accepted()).isEqualTo(1_050);
        assertThat(r.counters().rowsRead()).isEqualTo(1_050);
        assertThat(r.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.shard(RUN, 0).orElseThrow().checkpoint()).isEqualTo("1050");
    }

    @Test
    void aPriceThatRoundsToNothingInThousandthsStillCapsTheRunExactly() {
        // 0.0004 credits a document: 0 thousandths each, which used to lift the cap; a cap of 1 credit is 2,500 documents
        setUp(turns(3_000), cfg().maxCredits(1L).creditsPerDocument(0.0004));
        assertThat(run()).isEqualTo(ShardWorker.Outcome.BLOCKED);
        assertThat(synap.stored).hasSize(2_500);
        RunState r = ledger.run(RUN).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(r.statusReason()).startsWith("blocked_credit_cap: the run's credit cap is reached: --max-credits 1 allows 2,500 "
                + "documents at Synap's 0.0004 credits a document, with 1 credit spent or held by calls in flight, so the next call of 100 "
                + "documents (0.04 credits) was not made");
        assertThat(ledger.creditsReserved(RUN)).isEqualByComparingTo("1");
    }

    @Test
    void withoutAUsablePriceTheCapCountsDocumentsAndSaysSo() {
        // a run recorded with Synap's price 0: its cap used to be no cap at all
        setUp(turns(300), cfg().maxCredits(50L).creditsPerDocument(0.0).batchSize(10));
        assertThat(run()).isEqualTo(ShardWorker.Outcome.BLOCKED);
        assertThat(synap.stored).hasSize(50);
        assertThat(ledger.run(RUN).orElseThrow().statusReason()).contains("Synap gave no price for these documents: --max-credits 50 caps "
                + "the run at 50 documents, with 50 documents sent or held by calls in flight, so the next call of 10 documents was not made");
    }

    @Test
    void keepsCallsFullAcrossPageBoundaries() {
        setUp(turns(1_000), cfg().pageSize(130));
        run();
        assertThat(synap.calls).hasSize(10).allMatch(c -> c.size() == 100);
        assertThat(ledger.shard(RUN, 0).orElseThrow().checkpoint()).isEqualTo("1000");
    }

    @Test
    void respectsTheByteCapOfACall() {
        setUp(turns(300), cfg().maxBatchBytes(20_000).maxDocumentBytes(10_000));
        run();
        for (List<MemoryDocument> call : synap.calls) {
            assertThat(com.synapbackfill.synap.OkHttpSynapApi.body(call).length).isLessThanOrEqualTo(20_000);
        }
        assertThat(synap.stored).hasSize(300);
    }

    @Test
    void recordsBadRowAndContinues() {
        List<Turn> t = turns(200);
        t.set(9, new Turn("10", "u", null, "c", 10L, null, " ", Fakes.turn(10).createdAt()));
        t.set(19, new Turn("20", null, null, "c", 20L, "q", "a", Fakes.turn(20).createdAt()));
        setUp(t, cfg());
        assertThat(run()).isEqualTo(ShardWorker.Outcome.DONE);
        assertThat(synap.stored).hasSize(198);
        List<FailureRecord> f = ledger.failures(RUN, null, 10);
        assertThat(f).extracting(FailureRecord::sourceId, FailureRecord::errorClass)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("10", "bad_row:empty_text"),
                        org.assertj.core.groups.Tuple.tuple("20", "bad_row:missing_user_id"));
        Counters c = ledger.run(RUN).orElseThrow().counters();
        assertThat(c.rowsRead()).isEqualTo(c.accepted() + c.alreadyPresent() + c.failed()).isEqualTo(200);
    }

    @Test
    void duplicatesInAnyFormCountAsAlreadyPresent() {
        setUp(turns(100), cfg());
        for (int i = 1; i <= 30; i++) synap.stored.add("backfill:0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162:" + i); // per-item "already exists"
        run();
        Counters c = ledger.run(RUN).orElseThrow().counters();
        assertThat(c.alreadyPresent()).isEqualTo(30);
        assertThat(c.accepted()).isEqualTo(70);
        assertThat(c.failed()).isZero();
    }

    @Test
    void conflictAnswersAreSplitUntilTheDuplicatesAreFound() {
        setUp(turns(8), cfg());
        Set<String> existing = new HashSet<>(List.of("backfill:0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162:3"));
        synap.failWith = docs -> docs.stream().anyMatch(d -> existing.contains(d.documentId()))
                ? new PermanentException(PermanentException.Kind.CONFLICT, "HTTP 409", 409,
                "{\"code\":\"duplicate_document_id\",\"message\":\"1 document_id(s) already ingested\"}", null) : null;
        run();
        Counters c = ledger.run(RUN).orElseThrow().counters();
        assertThat(c.alreadyPresent()).isEqualTo(1);
        assertThat(c.accepted()).isEqualTo(7);
        assertThat(synap.stored).hasSize(7).doesNotContainAnyElementsOf(existing);
    }

    /** A 409 that merely says "duplicate" names no document id: the document it isolates is a failure, not already present. */
    @Test
    void aConflictThatNamesNoDuplicateIdIsAFailureNotAlreadyPresent() {
        setUp(turns(8), cfg());
        Set<String> existing = new HashSet<>(List.of("backfill:0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162:3"));
        synap.failWith = docs -> docs.stream().anyMatch(d -> existing.contains(d.documentId()))
                ? new PermanentException(PermanentException.Kind.CONFLICT, "HTTP 409", 409, "duplicate transcript", null) : null;
        run();
        Counters c = ledger.run(RUN).orElseThrow().counters();
        assertThat(c.alreadyPresent()).isZero();
        assertThat(c.failed()).isEqualTo(1);
        assertThat(c.accepted()).isEqualTo(7);
        assertThat(ledger.failures(RUN, null, 10)).singleElement().satisfies(f -> {
            assertThat(f.errorClass()).isEqualTo("conflict");
            assertThat(f.message()).contains("duplicate transcript");
        });
    }

    @Test
    void aWholeCallRejectionIsBisectedToTheOffendingDocuments() {
        setUp(turns(100), cfg());
        synap.failWith = docs -> docs.stream().anyMatch(d -> d.document().contains("hello 37\n") || d.document().contains("hello 81\n"))
                ? new PermanentException(PermanentException.Kind.INVALID_INPUT, "HTTP 422", 422, "bad doc", null) : null;
        run();
        List<FailureRecord> f = ledger.failures(RUN, null, 10);
        assertThat(f).extracting(FailureRecord::sourceId).containsExactlyInAnyOrder("37", "81");
        assertThat(f).allMatch(x -> x.errorClass().equals("invalid_input") && x.httpStatus() == 422);
        assertThat(synap.stored).hasSize(98);
        assertThat(synap.calls.size()).isLessThan(40); // log2 splitting, not one call per document
    }

    @Test
    void perItemFailuresBecomeFailureItems() {
        setUp(turns(10), cfg());
        synap.itemError = d -> d.document().contains("hello 4\n") ? "document_type: invalid" : null;
        run();
        FailureRecord f = ledger.failures(RUN, null, 10).get(0);
        assertThat(f.sourceId()).isEqualTo("4");
        assertThat(f.errorClass()).isEqualTo("item_failed");
        assertThat(f.message()).as("Synap's words, then the batch for support").startsWith("document_type: invalid [batch ");
    }

    @Test
    void stopsAtABatchBoundaryWhenTimeRunsShortAndEnqueuesAContinuation() {
        setUp(turns(1_000), cfg());
        AtomicLong remaining = new AtomicLong(60_000);
        synap.failWith = docs -> {
            remaining.addAndGet(-20_000); // every call "takes" 20 s of the budget
            return null;
        };
        ShardWorker.Outcome o = worker.process(ShardMessage.first(RUN, 0), remaining::get);
        assertThat(o).isEqualTo(ShardWorker.Outcome.CONTINUED);
        assertThat(synap.calls).hasSize(3);
        ShardState s = ledger.shard(RUN, 0).orElseThrow();
        assertThat(s.checkpoint()).isEqualTo("300"); // pages of 250: full calls, the partial tail carried to the next page
        assertThat(s.leaseOwner()).isNull();
        assertThat(queue.sent()).containsExactly(new ShardMessage(1, RUN, 0, 1));
        // the continuation, on any worker, picks up from the checkpoint: nothing sent twice
        synap.failWith = docs -> null;
        assertThat(newWorker("w2").process(queue.poll(), () -> 60_000)).isEqualTo(ShardWorker.Outcome.DONE);
        assertThat(synap.calls.stream().mapToInt(List::size).sum()).isEqualTo(1_000);
        assertThat(ledger.run(RUN).orElseThrow().counters().alreadyPresent()).isZero();
    }

    @Test
    void blockedBySynapMarksTheRunAndStops() {
        setUp(turns(500), cfg());
        synap.failWith = docs -> synap.calls.size() >= 2 ? new BlockedException(BlockedException.Reason.AUTH, "401", 401) : null;
        try (var log = com.synapbackfill.testing.LogCapture.of(ShardWorker.class)) {
            assertThat(run()).isEqualTo(ShardWorker.Outcome.BLOCKED);
            assertThat(log.messages(org.apache.logging.log4j.Level.ERROR)).singleElement().asString()
                    .contains("run blocked by Synap (401").contains("resume after fixing it");
        }
        RunState r = ledger.run(RUN).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(r.statusReason()).contains("blocked_auth");
        assertThat(ledger.shard(RUN, 0).orElseThrow().checkpoint()).isEqualTo("100");
        assertThat(ledger.shard(RUN, 0).orElseThrow().leaseOwner()).isNull();
        // any later message is dropped without a call until resume
        int calls = synap.calls.size();
        assertThat(newWorker("w2").process(ShardMessage.first(RUN, 0), () -> 60_000)).isEqualTo(ShardWorker.Outcome.RUN_NOT_RUNNING);
        assertThat(synap.calls).hasSize(calls);
    }

    @Test
    void transientTroubleSchedulesADelayedRetryFromTheCheckpoint() {
        setUp(turns(300), cfg());
        // an outage from the second call on: every call fails (a batch that partly goes through is searched for poison instead)
        boolean[] outage = {true};
        synap.failWith = docs -> synap.calls.size() >= 2 && outage[0] ? new RetryableException("server_error", "503", 503, null, null) : null;
        assertThat(run()).isEqualTo(ShardWorker.Outcome.RETRY_SCHEDULED);
        outage[0] = false;
        ShardState s = ledger.shard(RUN, 0).orElseThrow();
        assertThat(s.checkpoint()).isEqualTo("100");
        assertThat(s.status()).isEqualTo(ShardStatus.PENDING);
        ShardMessage retry = queue.poll();
        assertThat(retry).isEqualTo(new ShardMessage(1, RUN, 0, 0, 1));
        assertThat(worker.process(retry, () -> 60_000)).isEqualTo(ShardWorker.Outcome.DONE);
        assertThat(synap.stored).hasSize(300);
    }

    @Test
    void aMessageForARunThatIsNotRunningIsDropped() {
        setUp(turns(10), cfg());
        ledger.transition(RUN, EnumSet.of(RunStatus.RUNNING), RunStatus.PAUSED, null);
        assertThat(run()).isEqualTo(ShardWorker.Outcome.RUN_NOT_RUNNING);
        assertThat(synap.calls).isEmpty();
        try (var log = com.synapbackfill.testing.LogCapture.of(ShardWorker.class)) {
            assertThat(worker.process(ShardMessage.first("other-run", 0), () -> 60_000)).isEqualTo(ShardWorker.Outcome.INVALID);
            assertThat(log.messages(org.apache.logging.log4j.Level.ERROR)).containsExactly("shard message for unknown run other-run");
        }
    }

    @Test
    void aMessageForALeasedShardSchedulesALeaseRecheck() {
        setUp(turns(10), cfg());
        ledger.claim(RUN, 0, "someone-else", Duration.ofMinutes(1));
        assertThat(run()).isEqualTo(ShardWorker.Outcome.LEASE_HELD_ELSEWHERE);
        assertThat(synap.calls).isEmpty();
        // if the holder died, the re-check after its lease takes the shard over
        assertThat(queue.sent()).containsExactly(ShardMessage.first(RUN, 0));
    }

    @Test
    void rowsLeftOutByTheFilterAreCountedAsSkippedAndNeverSent() {
        List<Turn> turns = new ArrayList<>();
        for (long i = 1; i <= 700; i++) {
            Turn t = Fakes.turn(i);
            // a run of excluded rows longer than a page, and scattered ones
            boolean skipped = (i > 100 && i <= 400) || i % 7 == 0;
            turns.add(skipped ? new Turn(t.id(), t.userId(), t.customerId(), t.conversationId(), t.messageIndex(), null, null, t.createdAt(), true) : t);
        }
        long skipped = turns.stream().filter(Turn::skipped).count();
        setUp(turns, cfg());
        assertThat(run()).isEqualTo(ShardWorker.Outcome.DONE);
        assertThat(synap.calls.stream().flatMap(List::stream).map(d -> d.metadata().get("source_row_id")))
                .hasSize((int) (700 - skipped)).doesNotHaveDuplicates()
                .noneMatch(id -> turns.get(Integer.parseInt(id.toString()) - 1).skipped());
        var c = ledger.run(RUN).orElseThrow().counters();
        assertThat(c.skipped()).isEqualTo(skipped);
        assertThat(c.rowsRead()).isEqualTo(700);
        assertThat(c.accepted() + c.skipped()).isEqualTo(700);
        assertThat(ledger.run(RUN).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aPermanentSourceErrorFailsTheRunWithTheReasonAndReleasesTheLease() {
        setUp(turns(1_000), cfg());
        source = new Fakes.Source(turns(1_000)) {
            @Override
            public List<Turn> readPage(Shard shard, String after, int limit) {
                if (pagesRead >= 1) throw new com.synapbackfill.error.PermanentException(com.synapbackfill.error.PermanentException.Kind.CONFIGURATION,
                        "source database refused reading shard 0 (42501): permission denied for table turns");
                return super.readPage(shard, after, limit);
            }
        };
        worker = newWorker("w1");
        try (var log = com.synapbackfill.testing.LogCapture.of(ShardWorker.class)) {
            assertThat(run()).isEqualTo(ShardWorker.Outcome.RUN_FAILED);
            assertThat(log.messages(org.apache.logging.log4j.Level.ERROR)).singleElement().asString()
                    .contains("run failed: source database refused reading shard 0 (42501)").contains("fix it, then resume");
        }
        var r = ledger.run(RUN).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.FAILED);
        assertThat(r.statusReason()).contains("configuration").contains("permission denied");
        // the lease is free (a resume after the fix takes it at once) and the checkpoint kept the work done
        ShardState shard = ledger.shard(RUN, 0).orElseThrow();
        assertThat(shard.leaseOwner()).isNull();
        assertThat(shard.checkpoint()).isNotNull();
        // nothing was scheduled to come back: the message is acknowledged
        assertThat(queue.sent()).isEmpty();
    }

    @Test
    void aSourceThatStopsAnsweringIsRetriedVisiblyThenFailsTheRunWithTheReason() {
        setUp(turns(100), cfg());
        source = new Fakes.Source(turns(100)) {
            @Override
            public List<Turn> readPage(com.synapbackfill.model.Shard shard, String after, int limit) {
                throw new com.synapbackfill.error.RetryableException("source_error", "source database error while reading shard 0 (08006): "
                        + "Read timed out", 0, null, null);
            }
        };
        worker = newWorker("w1");
        assertThat(worker.process(ShardMessage.first(RUN, 0), () -> 60_000)).isEqualTo(ShardWorker.Outcome.RETRY_SCHEDULED);
        RunState r = ledger.run(RUN).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(r.trouble()).isNotNull();
        assertThat(r.trouble().describe()).startsWith("Source database unreachable since").contains("Read timed out");
        ShardMessage late = new ShardMessage(ShardMessage.SCHEMA_VERSION, RUN, 0, 0, ShardWorker.SOURCE_MAX_RETRIES);
        assertThat(worker.process(late, () -> 60_000)).isEqualTo(ShardWorker.Outcome.RUN_FAILED);
        r = ledger.run(RUN).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.FAILED);
        assertThat(r.statusReason()).contains("the source database has not answered in 12 retries").contains("Read timed out");
    }
}
