package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.lambda.PlannerHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Operating runs with the built CLI, each command a separate process: against a local ledger (status beside
 * a running run, failures and their export, retry-failures after the source is fixed) and against a "deployed"
 * stack whose parts are DynamoDB Local, ElasticMQ, s3mock and the real planner handler behind Lambda's Invoke
 * API on a loopback port (LocalLambdaEndpoint), reached through the endpoint variables.
 */
class OperateIT {
    static RealParts.Postgres pg;
    static SynapEmulator emulator;

    @BeforeAll
    static void setUp() {
        pg = RealParts.postgres();
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
    }

    @org.junit.jupiter.api.BeforeEach
    void emptySynap() {
        emulator.clearDocuments();
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    private static Map<String, String> secrets() {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password());
    }

    private static String[] args(String... a) {
        return a;
    }

    /** {@code sub}, then the shared options, then the rest (picocli takes a subcommand's options after its name). */
    private static String[] cmd(String sub, String[] shared, String... rest) {
        List<String> all = new java.util.ArrayList<>(List.of(sub));
        all.addAll(List.of(shared));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    @Test
    void aRunIsWatchedWhileItWorksThenItsFailuresAreListedExportedAndRetriedOnceTheSourceIsFixed() throws Exception {
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "op_fail_turns",
                SyntheticHistory.Options.of(3_000).withBadRowsPerKind(4).withSeed(11));
        Path state = Files.createTempDirectory("backfill-op");
        String[] db = args("--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--synap-url", emulator.baseUrl(),
                "--state-dir", state.toString());
        // 30 calls at 300/min: the run works for ~6 s while other processes look at it
        Process running = CliIT.start(secrets(), cmd("run", db, "--table", "op_fail_turns", "--rate-limit", "300",
                "--shard-rows", "700", "--run-id", "op-fail"));
        try {
            Path endpoint = state.resolve("ledger-endpoint");
            await("the running CLI's ledger endpoint file").atMost(java.time.Duration.ofMinutes(1)).until(() -> Files.exists(endpoint));
            // a second writer of the same directory is refused, naming it, while the first one runs
            CliIT.Result second = CliIT.run(secrets(), cmd("run", db, "--table", "op_fail_turns", "--run-id", "other"));
            assertThat(running.isAlive()).as("the first run is still working").isTrue();
            assertThat(second.exit()).as(second.output()).isEqualTo(2);
            assertThat(second.output()).contains("--state-dir").contains("in use by another backfill process");
            // status --watch reads through the running process's ledger until the run ends (planned a moment after the ledger is up)
            long deadline = System.currentTimeMillis() + 60_000;
            CliIT.Result watch;
            do {
                watch = CliIT.run(Map.of(), "status", "op-fail", "--state-dir", state.toString(), "--watch", "--every", "1");
            } while (watch.exit() == 2 && watch.output().contains("no run") && System.currentTimeMillis() < deadline);
            assertThat(watch.exit()).as(watch.output()).isZero();
            assertThat(watch.output()).contains("progress:").contains("Run op-fail: COMPLETED")
                    .containsPattern("failed " + loaded.badRows() + "\\b");
            assertThat(running.waitFor(2, TimeUnit.MINUTES)).isTrue();
            String out = new String(running.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(running.exitValue()).as(out).isZero();
            assertThat(out).contains("COMPLETED").contains("failed " + loaded.badRows()).contains("backfill failures op-fail");
        } finally {
            running.destroyForcibly();
        }
        long acceptedBefore = emulator.documents().size();
        assertThat(acceptedBefore).isEqualTo(loaded.validRows());

        Path export = state.resolve("failures.jsonl");
        CliIT.Result all = CliIT.run(Map.of(), "failures", "op-fail", "--state-dir", state.toString(), "--export", export.toString());
        assertThat(all.exit()).as(all.output()).isZero();
        assertThat(all.output()).contains(loaded.badRows() + " failures");
        List<String> lines = Files.readAllLines(export);
        assertThat(lines).hasSize(loaded.badRows());
        FailureRecord first = Json.read(lines.get(0), FailureRecord.class);
        assertThat(first.runId()).isEqualTo("op-fail");
        for (String kind : SyntheticHistory.BAD_KINDS) assertThat(all.output()).containsPattern("bad_row:" + kind + "\\s+4 unresolved");

        // the operator fixes the empty rows in the source, then retries every failure
        List<String> emptyIds = loaded.badByKind().get("empty_text");
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE op_fail_turns SET user_text = 'fixed row ' || id WHERE id IN ("
                    + String.join(",", emptyIds) + ")")).isEqualTo(4);
        }
        CliIT.Result retry = CliIT.run(secrets(), cmd("retry-failures", db, "op-fail"));
        assertThat(retry.exit()).as(retry.output()).isZero();
        assertThat(retry.output()).contains("retried " + loaded.badRows() + " failures: resolved 4 (accepted 4, already present 0)")
                .containsPattern("bad_row:missing_timestamp\\s+4").contains("invariant (rows read = accepted + already present + failed + skipped) holds")
                // the report counts failures as the run line counts "failed"; the resolved ones apart
                .contains("Report of op-fail: " + (loaded.badRows() - 4) + " failures {").contains("(and 4 resolved by a retry)")
                .doesNotContain("bad_row:empty_text=");
        assertThat(emulator.documents()).hasSize((int) acceptedBefore + 4);

        // counters moved: 4 fewer failed, 4 more accepted; unresolved failures are what is left
        CliIT.Result after = CliIT.run(Map.of(), "status", "op-fail", "--state-dir", state.toString());
        assertThat(after.output()).containsPattern("failed " + (loaded.badRows() - 4) + "\\b")
                .contains("accepted " + String.format("%,d", loaded.validRows() + 4));
        CliIT.Result runs = CliIT.run(Map.of(), "status", "--state-dir", state.toString());
        assertThat(runs.exit()).as(runs.output()).isZero();
        assertThat(runs.output()).containsPattern("op-fail\\s+COMPLETED\\s+3,000/3,000\\s+" + (loaded.badRows() - 4) + "\\b")
                .doesNotContain("other");
        CliIT.Result unresolved = CliIT.run(Map.of(), "failures", "op-fail", "--state-dir", state.toString(), "--unresolved",
                "--reason", "bad_row:", "--show", "0");
        assertThat(unresolved.output()).contains((loaded.badRows() - 4) + " failures with reason bad_row:")
                .doesNotContain("bad_row:empty_text").containsPattern("bad_row:missing_user_id\\s+4 unresolved");

        // a second retry resolves nothing more and sends nothing twice
        CliIT.Result again = CliIT.run(secrets(), cmd("retry-failures", db, "op-fail", "--reason", "bad_row:"));
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("resolved 0");
        assertThat(emulator.documents()).hasSize((int) acceptedBefore + 4);
    }

    @Test
    void aDeployedStackIsOperatedThroughThePlannerFunctionAndItsParts() throws Exception {
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "op_stack_turns",
                SyntheticHistory.Options.of(4_000).withBadRowsPerKind(2).withSeed(13));
        // the "stack": table, queue, bucket on the real parts, and the planner function as Lambda would run it
        Map<String, String> functionEnv = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, pg, "op_stack_turns");
        functionEnv.put("RATE_LIMIT_PER_MINUTE", "30000");
        functionEnv.put("SHARD_TARGET_ROWS", "800");
        LocalDeployment stack = LocalDeployment.create("opstack", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), functionEnv);
        PlannerHandler planner = new PlannerHandler(PlannerComponents.create(stack.settings(), stack.env(), stack.aws(), Clock.systemUTC()));
        try (LocalLambdaEndpoint lambda = LocalLambdaEndpoint.start(Map.of("opstack-planner", planner))) {
            Map<String, String> aws = new HashMap<>(Map.of("LAMBDA_ENDPOINT", lambda.url(), "DYNAMODB_ENDPOINT", RealParts.dynamo(),
                    "SQS_ENDPOINT", RealParts.sqs(), "S3_ENDPOINT", RealParts.s3()));
            String[] viaPlanner = args("--planner-function", "opstack-planner", "--ledger-table", stack.table());

            CliIT.Result start = CliIT.run(aws, cmd("start", viaPlanner, "--run-id", "op-stack", "--shard-rows", "1000"));
            assertThat(start.exit()).as(start.output()).isZero();
            assertThat(start.output()).contains("Run op-stack: RUNNING; 4 shards");

            CliIT.Result unknown = CliIT.run(aws, cmd("status", viaPlanner, "no-such-run"));
            assertThat(unknown.exit()).as(unknown.output()).isEqualTo(2);
            assertThat(unknown.output()).contains("no run \"no-such-run\"");

            // the stack's queue is worked from this machine: run --aws default on the stack's table, queue and bucket
            Map<String, String> runEnv = new HashMap<>(aws);
            runEnv.putAll(secrets());
            CliIT.Result work = CliIT.run(runEnv, "run", "--aws", "default", "--ledger-table", stack.table(), "--queue-url",
                    stack.queueUrl(), "--report-bucket", stack.bucket(), "--rate-scope", "opstack", "--jdbc-url", pg.jdbcUrl(),
                    "--db-user", pg.user(), "--table", "op_stack_turns", "--synap-url", emulator.baseUrl(), "--run-id", "op-stack",
                    "--concurrency", "3");
            assertThat(work.exit()).as(work.output()).isZero();
            assertThat(work.output()).contains("Run op-stack exists").contains("COMPLETED").contains("s3://" + stack.bucket());

            CliIT.Result status = CliIT.run(aws, cmd("status", viaPlanner, "op-stack", "--watch", "--every", "1"));
            assertThat(status.exit()).as(status.output()).isZero();
            assertThat(status.output()).contains("Run op-stack: COMPLETED").contains("shards 4/4 done")
                    .containsPattern("failed " + loaded.badRows() + "\\b");

            CliIT.Result report = CliIT.run(aws, cmd("report", viaPlanner, "op-stack"));
            assertThat(report.exit()).as(report.output()).isZero();
            assertThat(report.output()).contains("holds").contains("s3://" + stack.bucket() + "/runs/op-stack/report.json");

            CliIT.Result tune = CliIT.run(aws, cmd("tune", viaPlanner, "op-stack", "--dry-run"));
            assertThat(tune.exit()).as(tune.output()).isZero();
            assertThat(tune.output()).contains("-> concurrency").contains("--dry-run");

            CliIT.Result failures = CliIT.run(aws, "failures", "op-stack", "--ledger-table", stack.table(), "--show", "0");
            assertThat(failures.exit()).as(failures.output()).isZero();
            assertThat(failures.output()).contains(loaded.badRows() + " failures");
        }
    }
}
