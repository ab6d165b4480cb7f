package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.config.Settings;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.queue.SqsShardQueue;
import com.synapbackfill.report.S3ReportStore;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The promise, under fire: 30,000 rows with every kind of bad row, a Synap that fails 10% of calls with
 * 503, drops 2% of connections, accepts 2% and answers after the client gave up, throws 429 bursts and
 * latency spikes; workers that die at every dangerous point; a worker whose lease expires while it still
 * runs; duplicated and redelivered SQS messages; a stop of the whole fleet and a resume. Seeded: the same
 * seed gives the same faults and crashes. Run for each of Synap's three duplicate behaviours.
 */
class ReliabilityIT {
    static final int ROWS = 30_000;
    static final long SEED = Long.getLong("reliability.seed", 20261124L);
    static RealParts.Postgres pg;
    static SyntheticHistory.Loaded loaded;

    /** A worker process dying: not an exception any handler catches. */
    static final class Crash extends Error {
        Crash(String where) {
            super("simulated crash " + where, null, false, false);
        }
    }

    @BeforeAll
    static void load() {
        pg = RealParts.postgres();
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "reliability_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(20).withSeed(SEED));
    }

    /** Seeded crashes at every dangerous point, each kind a bounded number of times. */
    static final class Chaos implements ShardWorker.CrashPoints {
        final Random random = new Random(SEED);
        final Map<String, AtomicInteger> crashes = new ConcurrentHashMap<>();
        final ThreadLocal<Integer> continuation = ThreadLocal.withInitial(() -> 0);
        final AtomicBoolean slowLeaseDone = new AtomicBoolean();
        /** Set after the resume: the stall happens in the phase that runs to the end, so its takeover always can. */
        final AtomicBoolean slowLeaseArmed = new AtomicBoolean();
        /** The shard of the first page boundary after arming: its worker stalls there. */
        final AtomicInteger slowShard = new AtomicInteger(-1);
        final AtomicBoolean armed = new AtomicBoolean(true);
        volatile Runnable onSlowLease = () -> { };
        /** Returns once another worker holds the stalled shard (or finished it): the stall outlived its lease. */
        volatile Runnable awaitTakeover = () -> { };
        final AtomicBoolean takenOver = new AtomicBoolean();

        boolean roll(String kind, double p) {
            if (!armed.get()) return false;
            boolean hit;
            synchronized (random) {
                hit = random.nextDouble() < p;
            }
            if (!hit) return false;
            AtomicInteger n = crashes.computeIfAbsent(kind, k -> new AtomicInteger());
            if (n.incrementAndGet() > 4) {
                n.decrementAndGet();
                return false;
            }
            return true;
        }

        @Override
        public void afterClaim(ShardMessage message) {
            continuation.set(message.continuation());
        }

        @Override
        public void afterBatchCall(String runId, int shardNo) {
            if (continuation.get() > 0 && roll("during_continuation", 0.05)) throw new Crash("during a continuation");
            if (roll("after_batch_call", 0.03)) throw new Crash("after batch_create, before failure items");
        }

        @Override
        public void afterFailureItems(String runId, int shardNo) {
            if (roll("after_failure_items", 0.03)) throw new Crash("after failure items, before the checkpoint");
        }

        @Override
        public void betweenPages(String runId, int shardNo) {
            if (armed.get() && slowLeaseArmed.get() && slowLeaseDone.compareAndSet(false, true)) {
                slowShard.set(shardNo);
                // this worker stalls past its lease while a duplicate message hands the shard to another worker;
                // when it wakes, its next checkpoint must lose the conflict instead of overwriting
                onSlowLease.run();
                awaitTakeover.run();
                takenOver.set(true);
                crashes.computeIfAbsent("slow_lease_expired", k -> new AtomicInteger()).incrementAndGet();
                return;
            }
            if (roll("between_pages", 0.03)) throw new Crash("between pages");
        }

        int total() {
            return crashes.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    @ParameterizedTest
    @EnumSource(EmulatorSettings.DuplicatePolicy.class)
    void survivesFaultsCrashesDuplicatesAndAFullStopWithNothingLostOrDuplicated(EmulatorSettings.DuplicatePolicy policy) throws Exception {
        EmulatorSettings.Faults faults = new EmulatorSettings.Faults(0, 0.10, 0.02, 0.02, Duration.ofMillis(2_500),
                0.01, 4, 0.03, Duration.ofMillis(300));
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).seed(SEED)
                .duplicatePolicy(policy).latency(Duration.ofMillis(10), Duration.ofMillis(40)).faults(faults).build())) {
            String runId = "rel-" + policy.name().toLowerCase().replace('_', '-');
            Map<String, String> env = new HashMap<>(PipelineIT.envFor(emulator, pg, "reliability_turns"));
            env.put("SHARD_TARGET_ROWS", "2000");
            env.put("SYNAP_READ_TIMEOUT_MS", "1200");
            env.put("SYNAP_CALL_TIMEOUT_MS", "2000");
            env.put("SYNAP_MAX_ATTEMPTS", "10");
            env.put("SYNAP_BACKOFF_BASE_MS", "100");
            env.put("SYNAP_BACKOFF_MAX_MS", "2000");
            env.put("WORKER_RESERVE_MS", "1000");
            env.put("LEASE_SECONDS", "5");
            LocalDeployment d = LocalDeployment.create("rel-" + policy.ordinal(), RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            Settings settings = d.settings();
            PlannerService planner = PlannerComponents.create(settings, d.env(), d.aws(), Clock.systemUTC());
            var start = planner.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
            SqsShardQueue queue = new SqsShardQueue(d.aws().sqs(), d.queueUrl());
            // at-least-once delivery: every shard message arrives twice
            List<ShardMessage> dups = new ArrayList<>();
            for (int i = 0; i < start.shards(); i++) dups.add(ShardMessage.first(runId, i));
            queue.send(dups);

            Chaos chaos = new Chaos();
            AtomicInteger slowShard = chaos.slowShard;
            chaos.onSlowLease = () -> queue.send(List.of(ShardMessage.first(runId, Math.max(0, slowShard.get()))));
            DynamoDbLedger ledger = new DynamoDbLedger(d.aws().dynamo(), d.table(), Clock.systemUTC());
            java.util.function.Supplier<String> slowShardHolder = () -> ledger.unfinishedShards(runId, -1, 10_000).stream()
                    .filter(x -> x.shard().shardNo() == slowShard.get()).map(x -> String.valueOf(x.leaseOwner())).findFirst().orElse("(done)");
            chaos.awaitTakeover = () -> {
                String stalled = slowShardHolder.get();
                // the lease (LEASE_SECONDS 5) lapses on the real clock, and the duplicate message hands the shard over
                await("another worker takes over shard " + slowShard.get() + " from the stalled " + stalled).atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(200)).until(() -> !slowShardHolder.get().equals(stalled));
            };
            ShardWorker.CrashPoints points = new ShardWorker.CrashPoints() {
                @Override public void afterClaim(ShardMessage m) { chaos.afterClaim(m); }
                @Override public void afterBatchCall(String r, int s) { chaos.afterBatchCall(r, s); }
                @Override public void afterFailureItems(String r, int s) { chaos.afterFailureItems(r, s); }
                @Override public void betweenPages(String r, int s) { chaos.betweenPages(r, s); }
            };
            java.util.function.Supplier<WorkerHandler> handlers = () -> new WorkerHandler(
                    WorkerComponents.create(settings, d.env(), d.aws(), points, Clock.systemUTC()).worker());

            long t0 = System.currentTimeMillis();
            // phase 1 until ~40% of the rows are handled, then the whole fleet stops
            LocalEventSourceMapping first = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(), handlers, 6,
                    Duration.ofSeconds(4), Duration.ofSeconds(15), Duration.ofSeconds(1)).restartAfterCrash().start();
            await("40% of the rows handled").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ledger.run(runId).orElseThrow().counters().handled() >= ROWS * 0.4);
            first.abandon();
            PipelineIT.awaitLeasesLapsed(d, runId); // leases of the stopped fleet expire
            var resumed = planner.resume(runId);
            chaos.slowLeaseArmed.set(true); // the stall and its takeover happen in the phase that runs to completion
            LocalEventSourceMapping second = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(), handlers, 6,
                    Duration.ofSeconds(4), Duration.ofSeconds(15), Duration.ofSeconds(1)).restartAfterCrash().start();
            try {
                PipelineIT.waitUntilDone(planner, runId, Duration.ofMinutes(5));
            } finally {
                chaos.armed.set(false);
                second.close();
            }
            long elapsed = System.currentTimeMillis() - t0;

            RunState run = ledger.run(runId).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            List<StoredDocument> docs = emulator.documents().stream()
                    .filter(x -> runId.equals(x.metadata().path("run_id").asText())).toList();
            Set<String> rowsInSynap = new HashSet<>();
            docs.forEach(x -> rowsInSynap.add(x.metadata().path("source_row_id").asText()));
            Set<String> bad = new HashSet<>();
            loaded.badByKind().values().forEach(bad::addAll);
            long lost = loaded.validRows() - rowsInSynap.size();
            long duplicated = docs.size() - rowsInSynap.size(); // two documents for one row
            var stats = emulator.stats();

            // nothing lost, nothing twice, and no bad row sent
            assertThat(lost).isZero();
            assertThat(duplicated).isZero();
            assertThat(rowsInSynap).doesNotContainAnyElementsOf(bad);
            assertThat(stats.accepted()).isEqualTo(loaded.validRows());
            // every bad row: exactly one failure item with its reason, and nothing else failed
            List<FailureRecord> failures = ledger.failures(runId, null, 10_000);
            assertThat(failures).hasSize(loaded.badRows());
            Map<String, Set<String>> byReason = new HashMap<>();
            failures.forEach(f -> byReason.computeIfAbsent(f.errorClass(), k -> new HashSet<>()).add(f.sourceId()));
            loaded.badByKind().forEach((kind, ids) -> assertThat(byReason.get("bad_row:" + kind)).containsExactlyInAnyOrderElementsOf(ids));
            // ledger, report and Synap agree
            assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
            assertThat(run.counters().accepted() + run.counters().alreadyPresent()).isEqualTo(loaded.validRows());
            assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
            planner.report(runId);
            JsonNode report = Json.MAPPER.readTree(new S3ReportStore(d.aws().s3(), d.bucket()).get("runs/" + runId + "/report.json").orElseThrow());
            assertThat(report.path("counts").path("accepted").asLong()).isEqualTo(run.counters().accepted());
            assertThat(report.path("counts").path("alreadyPresent").asLong()).isEqualTo(run.counters().alreadyPresent());
            assertThat(report.path("invariant").path("holds").asBoolean()).isTrue();
            // every document the ledger counts as accepted has a receipt Synap knows: a crash never leaves one unverifiable
            com.synapbackfill.report.Receipts receipts = new com.synapbackfill.report.Receipts(new S3ReportStore(d.aws().s3(), d.bucket()));
            Set<String> withReceipt = new HashSet<>();
            Set<String> presentReceipt = new HashSet<>();
            for (var batch : receipts.list(runId)) {
                for (var r : receipts.read(batch)) {
                    if (r.present()) {
                        presentReceipt.add(r.documentId());
                        continue;
                    }
                    assertThat(emulator.ingestion(r.ingestionId())).as("receipt %s is known to Synap", r.ingestionId())
                            .hasValueSatisfying(x -> assertThat(x.documentId()).isEqualTo(r.documentId()));
                    withReceipt.add(r.documentId());
                }
            }
            assertThat((long) withReceipt.size()).as("documents with an accepted receipt").isGreaterThanOrEqualTo(run.counters().accepted())
                    .isLessThanOrEqualTo(docs.size());
            // the rest were accepted in the window between Synap's answer and the receipt (a crash there, a timed-out
            // answer): resent, refused as present, and counted so; under the item-failure policy the refusal is on record
            long noReceipt = docs.stream().filter(x -> !withReceipt.contains(x.documentId())).count();
            assertThat(noReceipt).isLessThanOrEqualTo((long) (chaos.total() + stats.acceptedThenSlow()) * 100);
            if (policy == EmulatorSettings.DuplicatePolicy.ITEM_FAILURE)
                assertThat(docs.stream().filter(x -> !withReceipt.contains(x.documentId()) && !presentReceipt.contains(x.documentId())))
                        .as("stored documents with no receipt at all").isEmpty();
            // checkpoints were used: what Synap saw twice is bounded by crashes and slow answers, not by shard sizes
            long resent = stats.documentsReceived() - stats.accepted() - stats.itemFailures();
            long bound = (long) (chaos.total() + stats.acceptedThenSlow() + 2 * start.shards()) * 100;
            assertThat(resent).as("documents Synap received again").isLessThanOrEqualTo(bound);
            assertThat(chaos.total()).as("crashes injected").isGreaterThanOrEqualTo(3);
            assertThat(chaos.takenOver).as("a stalled worker's shard was taken over while it still ran").isTrue();
            assertThat(stats.status(503) + stats.dropped() + stats.acceptedThenSlow()).as("faults injected").isPositive();

            System.out.printf("reliability[%s seed=%d]: rows %d, faults 503=%d dropped=%d accepted-then-slow=%d 429=%d spikes=%d, "
                            + "crashes %s, resumes 1 (%d shards re-enqueued), accepted %d, already present %d, failed %d, lost = %d, "
                            + "duplicated = %d, elapsed %.1f s%n",
                    policy, SEED, ROWS, stats.status(503), stats.dropped(), stats.acceptedThenSlow(), stats.rateLimited(),
                    stats.latencySpikes(), chaos.crashes, resumed.shardsEnqueued(), run.counters().accepted(),
                    run.counters().alreadyPresent(), run.counters().failed(), lost, duplicated, elapsed / 1000.0);
        }
    }
}
