package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Synap stops the run (401, 402, 403) or goes down for a while: nothing is lost, and the run completes after. */
class StopsAndRecoveriesIT {
    static final int ROWS = 6_000;
    static final int WORKERS = 3;
    static final int MAX_ATTEMPTS = 2;
    /** How long a worker trusts its cached run status (RUN_STATUS_CACHE_MS); a stopped run is seen within it. */
    static final Duration STATUS_CACHE = Duration.ofMillis(300);
    static RealParts.Postgres pg;
    static SyntheticHistory.Loaded loaded;
    SynapEmulator emulator;

    @BeforeAll
    static void load() {
        pg = RealParts.postgres();
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "stops_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(3).withSeed(5));
    }

    @BeforeEach
    void startEmulator() {
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .latency(Duration.ofMillis(15), Duration.ofMillis(30)).build());
    }

    @AfterEach
    void stopEmulator() {
        emulator.close();
    }

    LocalDeployment deploy(String name) {
        Map<String, String> env = new HashMap<>(PipelineIT.envFor(emulator, pg, "stops_turns"));
        env.put("SHARD_TARGET_ROWS", "1000");
        env.put("SYNAP_MAX_ATTEMPTS", Integer.toString(MAX_ATTEMPTS));
        env.put("SYNAP_BACKOFF_BASE_MS", "50");
        env.put("SYNAP_BACKOFF_MAX_MS", "200");
        env.put("SHARD_RETRY_DELAY_MS", "500");
        env.put("LEASE_SECONDS", "5");
        env.put("RUN_STATUS_CACHE_MS", Long.toString(STATUS_CACHE.toMillis()));
        return LocalDeployment.create(name, RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
    }

    static LocalEventSourceMapping fleet(LocalDeployment d) {
        return new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                () -> new WorkerHandler(WorkerComponents.create(d.settings(), d.env(), d.aws(), ShardWorker.CrashPoints.NONE,
                        Clock.systemUTC()).worker()),
                WORKERS, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1)).start();
    }

    static void waitFor(PlannerService planner, String runId, java.util.function.Predicate<PlannerResults.Status> p) throws Exception {
        await("status of " + runId).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(planner.status(runId)).matches(p));
    }

    /**
     * Runs until a third of the rows are handled, lets {@code stop} break Synap, checks the run is BLOCKED with
     * no call after each worker's first refused one, then {@code fix}es Synap (possibly with a new deployment
     * environment, as a rotated key would be) and resumes to completion.
     */
    void blockThenRecover(String name, String reasonClass, Runnable stop, java.util.function.Function<LocalDeployment, LocalDeployment> fix)
            throws Exception {
        LocalDeployment d = deploy(name);
        PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
        String runId = name + "-run";
        planner.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
        PlannerResults.Status blocked;
        try (var log = com.synapbackfill.testing.LogCapture.of(com.synapbackfill.worker.ShardWorker.class);
             LocalEventSourceMapping esm = fleet(d)) {
            waitFor(planner, runId, s -> s.counters().handled() >= ROWS / 3);
            long callsBefore = emulator.stats().batchCalls();
            stop.run();
            waitFor(planner, runId, PlannerResults.Status::blocked);
            blocked = planner.status(runId);
            // for three times as long as a worker trusts its cached run status: at most one refused call per worker,
            // and after that none at all
            await("calls after Synap refused: at most one per worker").during(STATUS_CACHE.multipliedBy(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> emulator.stats().batchCalls() - callsBefore <= WORKERS);
            long afterBlock = emulator.stats().batchCalls();
            await("no further calls while BLOCKED").during(STATUS_CACHE.multipliedBy(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> emulator.stats().batchCalls() == afterBlock);
            // each worker that met the refusal says so once, naming the status and what to do
            assertThat(log.messages(org.apache.logging.log4j.Level.ERROR)).isNotEmpty().hasSizeLessThanOrEqualTo(WORKERS)
                    .allMatch(m -> m.startsWith("run blocked by Synap (") && m.contains("resume after fixing it"));
        }
        assertThat(blocked.reason()).contains(reasonClass);
        assertThat(blocked.counters().handled()).isLessThan(ROWS);

        LocalDeployment fixed = fix.apply(d);
        PlannerService planner2 = PlannerComponents.create(fixed.settings(), fixed.env(), fixed.aws(), Clock.systemUTC());
        PipelineIT.awaitLeasesLapsed(d, runId); // the stopped workers' leases lapse (LEASE_SECONDS 5)
        assertThat(planner2.resume(runId).status()).isEqualTo("RUNNING");
        try (LocalEventSourceMapping esm = fleet(fixed)) {
            PipelineIT.waitUntilDone(planner2, runId, Duration.ofMinutes(2));
        }
        assertCompleteAndExact(d, runId);
    }

    void assertCompleteAndExact(LocalDeployment d, String runId) {
        RunState run = new DynamoDbLedger(d.aws().dynamo(), d.table(), Clock.systemUTC()).run(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(emulator.documents()).hasSize(loaded.validRows());
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.counters().accepted() + run.counters().alreadyPresent()).isEqualTo(loaded.validRows());
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
    }

    LocalDeployment rotatedKey(LocalDeployment d) {
        emulator.addKey("synap_rotated_key", new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef", false));
        return d.withEnv(Map.of("SYNAP_API_KEY", "synap_rotated_key"));
    }

    @Test
    void revokedKeyBlocksTheRunAndANewKeyResumesIt() throws Exception {
        blockThenRecover("stop401", "blocked_auth", () -> emulator.revokeKey(EmulatorSettings.DEFAULT_API_KEY), this::rotatedKey);
    }

    @Test
    void exhaustedCreditsBlockTheRunAndToppingUpResumesIt() throws Exception {
        blockThenRecover("stop402", "blocked_credits", () -> emulator.setCreditsExhausted(true), d -> {
            emulator.setCreditsExhausted(false);
            return d;
        });
    }

    @Test
    void forbiddenKeyBlocksTheRunAndANewKeyResumesIt() throws Exception {
        blockThenRecover("stop403", "blocked_forbidden", () -> emulator.forbidKey(EmulatorSettings.DEFAULT_API_KEY), this::rotatedKey);
    }

    @Test
    void synapDownForAWhileLosesNothingAndTheRunCompletesAfterwards() throws Exception {
        LocalDeployment d = deploy("outage");
        PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
        planner.start(PlannerRequest.of(PlannerRequest.Action.START, "outage-run"));
        try (LocalEventSourceMapping esm = fleet(d)) {
            waitFor(planner, "outage-run", s -> s.counters().handled() >= ROWS / 4);
            emulator.setOutage(true);
            long down = emulator.stats().status(503);
            long downAt = System.nanoTime();
            // every call fails until each worker has used up a batch's retry budget three times over (and its shard
            // has been put back for a delayed retry each time) and the status says so
            await("an outage far longer than a batch's retry budget, visible in the status").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> emulator.stats().status(503) - down >= 3L * WORKERS * MAX_ATTEMPTS
                            && planner.status("outage-run").trouble() != null);
            double seconds = (System.nanoTime() - downAt) / 1e9;
            assertThat((emulator.stats().status(503) - down) / seconds).as("failed calls per second: workers kept trying, with backoff")
                    .isLessThan(250.0);
            PlannerResults.Status during = planner.status("outage-run");
            assertThat(during.status()).isEqualTo("RUNNING");
            // the outage is visible, not a healthy-looking RUNNING: since when, how many calls, the last error
            assertThat(during.trouble()).as("status during the outage").startsWith("Synap unreachable since ")
                    .containsPattern("\\(\\d+ failed calls?, last: server_error: ").contains("retrying");
            emulator.setOutage(false);
            PipelineIT.waitUntilDone(planner, "outage-run", Duration.ofMinutes(2));
        }
        assertCompleteAndExact(d, "outage-run");
        assertThat(new com.synapbackfill.ledger.DynamoDbLedger(d.aws().dynamo(), d.table(), Clock.systemUTC()).run("outage-run").orElseThrow().trouble())
                .as("cleared by the first call that succeeded").isNull();
        String dlqDepth = d.aws().sqs().getQueueAttributes(r -> r.queueUrl(d.dlqUrl())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        assertThat(dlqDepth).as("no healthy shard went to the DLQ").isEqualTo("0");
    }
}
