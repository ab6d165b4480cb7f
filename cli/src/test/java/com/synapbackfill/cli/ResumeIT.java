package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.config.Settings;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every worker dies mid-run (after Synap accepted a batch, before the ledger heard of it), leases are left
 * behind and expire, then resume: the run completes, every valid row is in Synap exactly once, and no shard
 * started over (the checkpoints were used).
 */
class ResumeIT {
    static final int ROWS = 12_000;
    static SynapEmulator emulator;
    static SyntheticHistory.Loaded loaded;
    static RealParts.Postgres pg;

    /** The process dying: not an exception any handler would catch. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash", null, false, false);
        }
    }

    @BeforeAll
    static void setUp() {
        pg = RealParts.postgres();
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "resume_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(5).withSeed(21));
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .latency(Duration.ofMillis(20), Duration.ofMillis(40)).build());
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    @Test
    void crashedFleetResumesFromCheckpointsWithNothingLostOrDuplicated() throws Exception {
        Map<String, String> env = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, pg, "resume_turns");
        env.put("SHARD_TARGET_ROWS", "1500");
        env.put("RATE_LIMIT_PER_MINUTE", "60000");
        env.put("SYNAP_CALL_TIMEOUT_MS", "5000");
        env.put("WORKER_RESERVE_MS", "1000");
        env.put("LEASE_SECONDS", "5");
        LocalDeployment d = LocalDeployment.create("resume", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
        Settings settings = d.settings();
        PlannerService planner = PlannerComponents.create(settings, d.env(), d.aws(), Clock.systemUTC());
        var start = planner.start(PlannerRequest.of(PlannerRequest.Action.START, "resume-1"));
        assertThat(start.shards()).isGreaterThanOrEqualTo(6);

        // phase 1: three workers; once 40 calls have been made, each dies at its next "after batch_create" point
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger crashes = new AtomicInteger();
        ShardWorker.CrashPoints crashAfter40 = new ShardWorker.CrashPoints() {
            @Override
            public void afterBatchCall(String runId, int shardNo) {
                if (calls.incrementAndGet() > 40) {
                    crashes.incrementAndGet();
                    throw new SimulatedCrash();
                }
            }
        };
        LocalEventSourceMapping doomed = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                () -> new WorkerHandler(WorkerComponents.create(settings, d.env(), d.aws(), crashAfter40, Clock.systemUTC()).worker()),
                3, Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(1)).start();
        await("three workers crashed").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).until(() -> crashes.get() >= 3);
        doomed.abandon();
        assertThat(crashes.get()).isEqualTo(3);

        DynamoDbLedger ledger = new DynamoDbLedger(d.aws().dynamo(), d.table(), Clock.systemUTC());
        RunState mid = ledger.run("resume-1").orElseThrow();
        assertThat(mid.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(mid.counters().rowsRead()).isPositive().isLessThan(ROWS);
        List<ShardState> leased = ledger.unfinishedShards("resume-1", -1, 1000).stream().filter(s -> s.leaseOwner() != null).toList();
        assertThat(leased).as("the dead workers' leases are still there").hasSize(3);
        Map<Integer, String> checkpointsAtCrash = new HashMap<>();
        ledger.shards("resume-1", -1, 1000).forEach(s -> checkpointsAtCrash.put(s.shard().shardNo(), s.checkpoint()));
        long acceptedBeforeResume = emulator.stats().accepted();

        // phase 2: leases expire, resume re-enqueues every unfinished shard, a healthy fleet finishes
        PipelineIT.awaitLeasesLapsed(ledger, "resume-1");
        var resumed = planner.resume("resume-1");
        assertThat(resumed.shardsEnqueued()).isPositive();
        try (LocalEventSourceMapping healthy = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                () -> new WorkerHandler(WorkerComponents.create(settings, d.env(), d.aws(), ShardWorker.CrashPoints.NONE,
                        Clock.systemUTC()).worker()),
                3, Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(1)).start()) {
            PipelineIT.waitUntilDone(planner, "resume-1", Duration.ofMinutes(3));
        }

        RunState run = ledger.run("resume-1").orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        // nothing lost: every valid row is in Synap, once
        assertThat(emulator.documents().stream().filter(x -> "resume-1".equals(x.metadata().path("run_id").asText())).count())
                .isEqualTo(loaded.validRows());
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.counters().accepted() + run.counters().alreadyPresent()).isEqualTo(loaded.validRows());
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
        // the batches Synap accepted just before each crash came back as "already present", nothing more
        assertThat(run.counters().alreadyPresent()).isBetween(1L, 3L * 100);
        // checkpoints were used: no shard that had progress was read from its beginning again
        long resent = emulator.stats().documentsReceived() - emulator.stats().accepted();
        assertThat(resent).isEqualTo(run.counters().alreadyPresent());
        assertThat(emulator.stats().accepted()).isGreaterThan(acceptedBeforeResume);
        assertThat(checkpointsAtCrash.values().stream().filter(c -> c != null).count()).isPositive();
    }
}
