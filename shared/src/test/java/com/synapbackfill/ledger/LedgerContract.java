package com.synapbackfill.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.error.LeaseConflictException;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.ShardStatus;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract every {@link Ledger} passes: the in-memory fake and DynamoDB alike. */
public abstract class LedgerContract {
    /**
     * Midnight UTC after the real clock's day: DynamoDB Local enforces TTL, and the ledger's items expire a week after
     * they are written (per-minute counters) — a fixed date in the past had them deleted mid-test once it was a week old.
     */
    protected final MutableClock clock = new MutableClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(1, java.time.temporal.ChronoUnit.DAYS));
    protected Ledger ledger;
    protected String runId;
    static final Duration LEASE = Duration.ofSeconds(30);

    protected abstract Ledger newLedger(MutableClock clock);

    @BeforeEach
    void setUp() {
        ledger = newLedger(clock);
        runId = "run-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected RunState newRun(String id) {
        RunConfig cfg = RunConfig.builder(SourceConfig.of("turns")).build();
        long now = clock.millis();
        return new RunState(id, RunStatus.PLANNING, null, cfg, IdType.BIGINT, 0, 0, 0, Counters.ZERO, now, now, 0);
    }

    protected void planShards(int n) {
        ledger.createRun(newRun(runId));
        List<ShardState> shards = new ArrayList<>();
        for (int i = 0; i < n; i++) shards.add(ShardState.pending(new Shard(runId, i, Long.toString(i * 100L + 1), false, Long.toString(i * 100L + 100), IdType.BIGINT)));
        ledger.putShards(runId, shards, n * 100L);
        ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
    }

    static Counters rows(long read, long accepted, long present, long failed) {
        return new Counters(read, accepted, present, failed, 0, 1, 0);
    }

    static java.math.BigDecimal d(String v) {
        return new java.math.BigDecimal(v);
    }

    @Test
    void aCreditCapReservesUpToTheCapNeverPastItUnderConcurrentReservations() throws Exception {
        planShards(2);
        assertThat(ledger.creditsReserved(runId)).isZero();
        // 8 threads race 50 reservations of 0.1 each against a cap of 2.05: exactly 20 succeed
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 50; i++) if (ledger.reserveCredits(runId, d("0.1"), d("2.05"))) granted.incrementAndGet();
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) th.join();
        assertThat(granted.get()).isEqualTo(20);
        assertThat(ledger.creditsReserved(runId)).isEqualByComparingTo("2");
        assertThat(ledger.reserveCredits(runId, d("0.1"), d("2.05"))).isFalse();
        assertThat(ledger.reserveCredits(runId, d("0.05"), d("2.05"))).as("what is left fits").isTrue();
        ledger.releaseCredits(runId, d("0.55")); // documents Synap did not accept
        assertThat(ledger.creditsReserved(runId)).isEqualByComparingTo("1.5");
        assertThat(ledger.reserveCredits(runId, d("0.5"), d("2.05"))).isTrue();
        assertThat(ledger.reserveCredits(runId, d("0.1"), d("3000"))).as("a higher cap").isTrue();
        ledger.setCreditsReserved(runId, d("0.042"));
        assertThat(ledger.creditsReserved(runId)).isEqualByComparingTo("0.042");
        assertThat(ledger.reserveCredits(runId, d("5"), d("4.999"))).as("more than the whole cap").isFalse();
        assertThat(ledger.unfinishedShards(runId, -1, 10)).as("the cap's item is no shard").hasSize(2);
        assertThat(ledger.run(runId)).isPresent();
    }

    @Test
    void aTinyPriceIsReservedExactlyAndTheCapAllowsExactlyWhatItPays() {
        planShards(1);
        // 0.0001 credits a document, calls of 100 documents (0.01 credits), a cap of 1 credit: exactly 100 calls, 10,000
        // documents; in thousandths of a credit each call used to round to 0 and the cap let everything through
        java.math.BigDecimal call = new com.synapbackfill.model.CreditPrice(d("0.0001")).of(100);
        int granted = 0;
        while (granted <= 100 && ledger.reserveCredits(runId, call, d("1"))) granted++;
        assertThat(granted).isEqualTo(100);
        assertThat(ledger.creditsReserved(runId)).isEqualByComparingTo("1");
        ledger.releaseCredits(runId, new com.synapbackfill.model.CreditPrice(d("0.0001")).of(3)); // 3 documents not accepted
        assertThat(ledger.creditsReserved(runId)).isEqualByComparingTo("0.9997");
        assertThat(ledger.reserveCredits(runId, d("0.0003"), d("1"))).as("exactly what was given back fits").isTrue();
        assertThat(ledger.reserveCredits(runId, d("0.0001"), d("1"))).isFalse();
    }

    @Test
    void createRunIsIdempotentOnRunId() {
        RunState first = ledger.createRun(newRun(runId));
        clock.advance(Duration.ofMinutes(1));
        RunState again = ledger.createRun(newRun(runId));
        assertThat(again.createdAtEpochMillis()).isEqualTo(first.createdAtEpochMillis());
        assertThat(ledger.run(runId)).isPresent();
        assertThat(ledger.run("nope")).isEmpty();
    }

    @Test
    void updateConfigReplacesTheSnapshotAndKeepsTheRest() {
        planShards(2);
        RunState before = ledger.run(runId).orElseThrow();
        RunConfig raised = before.config().toBuilder().rateLimitPerMinute(3_000).build();
        ledger.updateConfig(runId, raised);
        RunState after = ledger.run(runId).orElseThrow();
        assertThat(after.config()).isEqualTo(raised);
        assertThat(after.status()).isEqualTo(before.status());
        assertThat(after.shardsTotal()).isEqualTo(2);
        assertThatThrownBy(() -> ledger.updateConfig("run-none", raised)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runsAreListedNewestFirstOnceEach() {
        clock.advance(Duration.ofDays(365L * 200)); // newer than any other test's runs in a shared table
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(runId + "-" + i);
            ledger.createRun(newRun(runId + "-" + i));
            clock.advance(Duration.ofSeconds(1));
        }
        ledger.createRun(newRun(runId + "-0")); // a repeated start lists the run once, at its first creation
        assertThat(ledger.runIds(3)).containsExactly(runId + "-2", runId + "-1", runId + "-0");
        assertThat(ledger.runIds(1)).containsExactly(runId + "-2");
    }

    @Test
    void putShardsWritesEveryShardAndTheTotal() {
        planShards(60); // more than one BatchWriteItem of 25
        RunState run = ledger.run(runId).orElseThrow();
        assertThat(run.shardsTotal()).isEqualTo(60);
        assertThat(run.estimatedRows()).isEqualTo(6000);
        assertThat(ledger.shards(runId, -1, 1000)).hasSize(60);
        assertThat(ledger.shard(runId, 59).orElseThrow().shard().hi()).isEqualTo("6000");
    }

    @Test
    void statusTransitionsAreConditional() {
        planShards(1);
        assertThat(ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null)).isFalse();
        assertThat(ledger.transition(runId, EnumSet.of(RunStatus.RUNNING), RunStatus.BLOCKED, "blocked_auth: 401")).isTrue();
        assertThat(ledger.run(runId).orElseThrow().statusReason()).isEqualTo("blocked_auth: 401");
        long blockedAt = ledger.run(runId).orElseThrow().runningSinceEpochMillis();
        clock.advance(java.time.Duration.ofMinutes(9));
        assertThat(ledger.transition(runId, EnumSet.of(RunStatus.BLOCKED, RunStatus.PAUSED), RunStatus.RUNNING, null)).isTrue();
        RunState r = ledger.run(runId).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(r.statusReason()).isNull();
        // the rate of a resumed run starts at the resume
        assertThat(r.runningSinceEpochMillis()).isEqualTo(clock.millis()).isGreaterThan(blockedAt);
        assertThat(r.rateWindowFloor()).isEqualTo(clock.millis());
    }

    @Test
    void aFreeLeaseIsTakenOnceAndCountsAttempts() {
        planShards(2);
        ShardState a = ledger.claim(runId, 0, "a", LEASE);
        assertThat(a.status()).isEqualTo(ShardStatus.IN_PROGRESS);
        assertThat(a.leaseOwner()).isEqualTo("a");
        assertThat(a.attempts()).isEqualTo(1);
        assertThatThrownBy(() -> ledger.claim(runId, 0, "b", LEASE)).isInstanceOf(LeaseConflictException.class);
        assertThat(ledger.claim(runId, 0, "a", LEASE).attempts()).isEqualTo(2); // ours already
        assertThatThrownBy(() -> ledger.claim(runId, 7, "a", LEASE)).isInstanceOf(LeaseConflictException.class);
    }

    @Test
    void anExpiredLeaseIsTakenOver() {
        planShards(1);
        ShardState a = ledger.claim(runId, 0, "a", LEASE);
        clock.advance(LEASE.plusSeconds(1));
        ShardState b = ledger.claim(runId, 0, "b", LEASE);
        assertThat(b.leaseOwner()).isEqualTo("b");
        // the slow old owner loses the conflict instead of overwriting the checkpoint
        assertThatThrownBy(() -> ledger.advance(a, "50", rows(50, 50, 0, 0), List.of(), false, LEASE))
                .isInstanceOf(LeaseConflictException.class);
        assertThat(ledger.shard(runId, 0).orElseThrow().checkpoint()).isNull();
    }

    @Test
    void checkpointMovesOnlyFromWhatTheOwnerReadAndCountersAddUp() {
        planShards(2);
        ShardState s = ledger.claim(runId, 0, "a", LEASE);
        ShardState s1 = ledger.advance(s, "40", rows(40, 38, 1, 1), List.of(120L), false, LEASE);
        assertThat(s1.checkpoint()).isEqualTo("40");
        // a stale read (checkpoint null) cannot move it again or backwards
        assertThatThrownBy(() -> ledger.advance(s, "20", rows(20, 20, 0, 0), List.of(), false, LEASE))
                .isInstanceOf(LeaseConflictException.class);
        ShardState s2 = ledger.advance(s1, "100", rows(60, 60, 0, 0), List.of(80L, 450L), true, LEASE);
        assertThat(s2.status()).isEqualTo(ShardStatus.DONE);
        ShardState stored = ledger.shard(runId, 0).orElseThrow();
        assertThat(stored.status()).isEqualTo(ShardStatus.DONE);
        assertThat(stored.leaseOwner()).isNull();
        assertThat(stored.checkpoint()).isEqualTo("100");
        assertThat(stored.counters().rowsRead()).isEqualTo(100);
        RunState run = ledger.run(runId).orElseThrow();
        assertThat(run.counters()).isEqualTo(new Counters(100, 98, 1, 1, 0, 2, 0));
        assertThat(run.shardsDone()).isEqualTo(1);
        assertThat(ledger.latencyHistogram(runId).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
        assertThat(ledger.handledPerMinute(runId, clock.millis(), 3)).containsExactly(0L, 0L, 100L);
        // a DONE shard is handed back as DONE, never leased again
        assertThat(ledger.claim(runId, 0, "b", LEASE).status()).isEqualTo(ShardStatus.DONE);
        assertThat(ledger.unfinishedShards(runId, -1, 10)).extracting(x -> x.shard().shardNo()).containsExactly(1);
    }

    @Test
    void eachMinuteKeepsItsCallsRetriesAndLatenciesForTheReportPage() {
        planShards(2);
        long first = clock.millis() / 60_000;
        ShardState a = ledger.claim(runId, 0, "a", LEASE);
        a = ledger.advance(a, "10", new Counters(10, 9, 0, 1, 0, 2, 1), new CallStats(List.of(120L, 900L), 3, 2), false, LEASE);
        a = ledger.advance(a, "20", new Counters(10, 10, 0, 0, 0, 1, 0), new CallStats(List.of(40L), 0, 0), false, LEASE);
        clock.advance(Duration.ofMinutes(2));
        ShardState b = ledger.claim(runId, 1, "b", LEASE);
        ledger.advance(b, "30", new Counters(5, 0, 0, 0, 5, 0, 0), CallStats.NONE, true, LEASE);
        // a step that handled nothing and called nothing leaves no minute behind
        ledger.advance(a, "20", Counters.ZERO, CallStats.NONE, false, LEASE);

        List<MinuteStats> minutes = ledger.minutes(runId, first - 1, first + 5);
        assertThat(minutes).extracting(MinuteStats::minute).containsExactly(first, first + 2);
        MinuteStats m = minutes.get(0);
        assertThat(List.of(m.handled(), m.accepted(), m.failed(), m.calls(), m.throttled(), m.retries(), m.serverErrors()))
                .containsExactly(20L, 19L, 1L, 3L, 1L, 3L, 2L);
        assertThat(m.latencyQuantile(0.5)).isEqualTo(200);   // 40 → ≤50, 120 → ≤200, 900 → ≤1000
        assertThat(m.latencyQuantile(0.95)).isEqualTo(1000);
        assertThat(minutes.get(1).handled()).isEqualTo(5);
        assertThat(minutes.get(1).calls()).isZero();
        assertThat(ledger.minutes(runId, first + 1, first + 1)).isEmpty();
        assertThat(ledger.handledPerMinute(runId, clock.millis(), 3)).containsExactly(20L, 0L, 5L);
    }

    @Test
    void aNonOwnerCannotAdvance() {
        planShards(1);
        ShardState mine = ledger.claim(runId, 0, "a", LEASE);
        ShardState forged = new ShardState(mine.shard(), mine.status(), mine.checkpoint(), "b", mine.leaseExpiresAtEpochMillis(),
                mine.attempts(), mine.counters());
        assertThatThrownBy(() -> ledger.advance(forged, "10", rows(10, 10, 0, 0), List.of(), false, LEASE))
                .isInstanceOf(LeaseConflictException.class);
    }

    @Test
    void releaseReturnsTheShardToPendingOnlyForTheOwner() {
        planShards(1);
        ledger.claim(runId, 0, "a", LEASE);
        assertThat(ledger.release(runId, 0, "b")).isFalse();
        assertThat(ledger.release(runId, 0, "a")).isTrue();
        ShardState s = ledger.shard(runId, 0).orElseThrow();
        assertThat(s.status()).isEqualTo(ShardStatus.PENDING);
        assertThat(s.leaseOwner()).isNull();
        assertThat(ledger.claim(runId, 0, "b", LEASE).leaseOwner()).isEqualTo("b");
    }

    @Test
    void repeatedFailuresOfOneDocumentAreOneItemWithAttempts() {
        planShards(1);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(1));
            ledger.recordFailures(List.of(FailureRecord.of(runId, "doc-1", "17", 0, "item_failed", 200, "bad " + i, clock.millis()),
                    FailureRecord.of(runId, null, "18", 0, "bad_row:empty_text", 0, "empty", clock.millis())));
        }
        List<FailureRecord> f = ledger.failures(runId, null, 100);
        assertThat(f).hasSize(2);
        FailureRecord doc = f.stream().filter(x -> x.key().equals("doc-1")).findFirst().orElseThrow();
        assertThat(doc.attempts()).isEqualTo(3);
        assertThat(doc.message()).isEqualTo("bad 2");
        assertThat(doc.lastSeenEpochMillis()).isGreaterThan(doc.firstSeenEpochMillis());
        assertThat(f.stream().filter(x -> x.key().equals("row:18")).findFirst().orElseThrow().documentId()).isNull();
        Counters before = ledger.run(runId).orElseThrow().counters();
        Counters move = new Counters(0, 1, 0, -1, 0, 1, 0);
        assertThat(ledger.resolveFailure(runId, "doc-1", move)).isTrue();
        assertThat(ledger.resolveFailure(runId, "doc-1", move)).as("a second resolve changes nothing").isFalse();
        assertThat(ledger.resolveFailure(runId, "no-such-key", move)).isFalse();
        assertThat(ledger.failures(runId, null, 100).stream().filter(FailureRecord::resolved).map(FailureRecord::key)).containsExactly("doc-1");
        assertThat(ledger.run(runId).orElseThrow().counters()).isEqualTo(before.plus(move));
        // a failure recorded again (the row failed once more) is unresolved until it is resolved again
        ledger.recordFailures(List.of(FailureRecord.of(runId, "doc-1", "17", 0, "item_failed", 200, "bad 3", 40)));
        assertThat(ledger.failures(runId, null, 100).stream().filter(FailureRecord::resolved)).isEmpty();
    }

    @Test
    void failuresAndShardsArePaged() {
        planShards(30);
        List<FailureRecord> many = new ArrayList<>();
        for (int i = 0; i < 250; i++) many.add(FailureRecord.of(runId, String.format("d-%04d", i), Integer.toString(i), 0, "item_failed", 200, "x", 1));
        ledger.recordFailures(many);
        List<String> keys = new ArrayList<>();
        String after = null;
        while (true) {
            List<FailureRecord> page = ledger.failures(runId, after, 40);
            if (page.isEmpty()) break;
            page.forEach(f -> keys.add(f.key()));
            after = page.get(page.size() - 1).key();
        }
        assertThat(keys).hasSize(250).doesNotHaveDuplicates().isSorted();
        List<Integer> nos = new ArrayList<>();
        int last = -1;
        while (true) {
            List<ShardState> page = ledger.unfinishedShards(runId, last, 7);
            if (page.isEmpty()) break;
            page.forEach(s -> nos.add(s.shard().shardNo()));
            last = page.get(page.size() - 1).shard().shardNo();
        }
        assertThat(nos).hasSize(30).isSorted().doesNotHaveDuplicates();
    }
}
