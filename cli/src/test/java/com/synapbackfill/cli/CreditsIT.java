package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Credits and the Instance's isolation mode, through the CLI as a user runs it against the emulator: the estimate's credits
 * line, a run refused before it sends anything, a capped run that stops BLOCKED at its cap and continues with a higher one,
 * a 402 mid-run that a top-up and a resume get past, and both isolation modes (the refusal, and what arrives).
 */
class CreditsIT {
    static final int ROWS = 30_000;
    static final String REFUSE = "<<refused-for-now>>";
    static RealParts.Postgres pg;
    static SyntheticHistory.Loaded big;
    static SyntheticHistory.Loaded small;

    @BeforeAll
    static void load() throws Exception {
        pg = RealParts.postgres();
        big = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "credit_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(2).withSeed(30));
        small = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "scope_turns",
                SyntheticHistory.Options.of(2_000).withBadRowsPerKind(0).withSeed(31));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            // a few rows of a B2B app whose customer was never recorded
            st.execute("UPDATE scope_turns SET customer_id = NULL WHERE id IN (SELECT id FROM scope_turns ORDER BY id LIMIT 7)");
            // 100 turns; Synap refuses the first 30 (their text holds the marker) until it is told otherwise
            st.execute("DROP TABLE IF EXISTS retry_turns");
            st.execute("CREATE TABLE retry_turns (id bigint PRIMARY KEY, user_id text, conversation_id text, message_index int, "
                    + "user_text text, assistant_text text, created_at timestamptz)");
            st.execute("INSERT INTO retry_turns SELECT g, 'u' || (g % 7), 'c-' || (g / 10), g % 10, 'question ' || g "
                    + "|| CASE WHEN g <= 30 THEN ' " + REFUSE + "' ELSE '' END, 'answer ' || g, "
                    + "timestamptz '2025-01-01 00:00:00Z' + g * interval '1 minute' FROM generate_series(1, 100) g");
        }
    }

    static Map<String, String> secrets() {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password());
    }

    static CliIT.Result cli(String command, SynapEmulator emulator, String table, Path state, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(command));
        if (!command.equals("resume")) args.addAll(List.of("--table", table));
        args.addAll(List.of("--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--synap-url", emulator.baseUrl()));
        if (!command.equals("estimate")) args.addAll(List.of("--state-dir", state.toString()));
        if (command.equals("run")) args.addAll(List.of("--rate-limit", "60000"));
        args.addAll(List.of(extra));
        return CliIT.run(secrets(), args.toArray(String[]::new));
    }

    static CliIT.Result resume(String runId, SynapEmulator emulator, Path state, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("resume", runId, "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(),
                "--synap-url", emulator.baseUrl(), "--state-dir", state.toString()));
        args.addAll(List.of(extra));
        return CliIT.run(secrets(), args.toArray(String[]::new));
    }

    @Test
    void aRunOverTheBalanceIsRefusedACappedOneStopsAtItsCapAndAHigherCapCompletesItExactlyOnce() throws Exception {
        Path state = Files.createTempDirectory("credits");
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .credits(new EmulatorSettings.Credits(1_000, 1, true)).build())) {
            CliIT.Result estimate = cli("estimate", emulator, "credit_turns", state);
            assertThat(estimate.exit()).as(estimate.output()).isZero();
            assertThat(estimate.output()).containsPattern("Credits: ~[0-9,]+ documents ≈ [0-9,]+ credits \\(Synap's estimate for batch_create, "
                    + "long-range\\); balance 1,000: it overruns the balance by ~[0-9,]+");

            CliIT.Result refused = cli("run", emulator, "credit_turns", state, "--run-id", "credits-run");
            assertThat(refused.exit()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output()).contains("the balance is 1,000; nothing was sent").contains("--allow-overage").contains("--max-credits N");
            assertThat(emulator.stats().batchCalls()).as("not one document sent").isZero();
            assertThat(emulator.documents()).isEmpty();

            CliIT.Result capped = cli("run", emulator, "credit_turns", state, "--run-id", "credits-run", "--allow-overage", "--max-credits", "2000");
            assertThat(capped.exit()).as(capped.output()).isEqualTo(BackfillCommand.BLOCKED);
            assertThat(capped.output()).contains("capped at 2,000 by --max-credits").contains("credit cap is reached")
                    .contains("backfill resume credits-run").contains("--max-credits N");
            int sent = emulator.documents().size();
            assertThat(sent).as("documents sent under a cap of 2,000 credits at 1 a document").isPositive().isLessThanOrEqualTo(2_000);
            assertThat(emulator.creditsSpent()).isLessThanOrEqualTo(2_000);

            CliIT.Result resumed = resume("credits-run", emulator, state, "--max-credits", "40000");
            assertThat(resumed.exit()).as(resumed.output()).isZero();
            List<StoredDocument> docs = List.copyOf(emulator.documents());
            assertThat(docs).as("every valid row once").hasSize(big.validRows());
            assertThat(docs.stream().map(StoredDocument::documentId).distinct().count()).isEqualTo(big.validRows());
            assertThat(emulator.creditsSpent()).as("each document paid once").isEqualTo((double) big.validRows());
            assertThat(emulator.stats().duplicates()).as("nothing sent twice after the cap").isZero();
        }
    }

    @Test
    void aPriceUnderATenthOfACentPerDocumentStillCapsTheRunAtWhatTheCapPays() throws Exception {
        // 0.0004 credits a document was 0 in thousandths: the cap let the whole table through
        Path state = Files.createTempDirectory("credits-tiny");
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .credits(new EmulatorSettings.Credits(1_000, 0.0004, true)).build())) {
            CliIT.Result capped = cli("run", emulator, "credit_turns", state, "--run-id", "credits-tiny", "--max-credits", "1");
            assertThat(capped.exit()).as(capped.output()).isEqualTo(BackfillCommand.BLOCKED);
            assertThat(capped.output()).contains("capped at 1 by --max-credits (2,500 documents at 0.0004 credits each)")
                    .contains("credit cap is reached: --max-credits 1 allows 2,500 documents at Synap's 0.0004 credits a document");
            assertThat(emulator.documents().size()).as("at most what 1 credit pays, at 0.0004 a document").isBetween(2_000, 2_500);
            assertThat(emulator.creditsSpent()).isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void aZeroPriceCapsTheRunByDocumentsAndTheStartAndTheStatusSaySo() throws Exception {
        Path state = Files.createTempDirectory("credits-free");
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .credits(new EmulatorSettings.Credits(1_000, 0, true)).build())) {
            CliIT.Result capped = cli("run", emulator, "scope_turns", state, "--run-id", "credits-free", "--max-credits", "50",
                    "--batch-size", "10", "--concurrency", "2");
            assertThat(capped.exit()).as(capped.output()).isEqualTo(BackfillCommand.BLOCKED);
            String says = "Synap gave no price for these documents: --max-credits 50 caps the run at 50 documents";
            assertThat(capped.output()).contains("priced at 0 credits").contains(says);
            assertThat(emulator.documents().size()).as("50 documents, not the whole table").isBetween(40, 50);

            CliIT.Result status = CliIT.run(Map.of(), "status", "credits-free", "--state-dir", state.toString());
            assertThat(status.output()).contains("BLOCKED").contains(says);
        }
    }

    @Test
    void retryFailuresSpendsFromTheRunsCapAndAHigherCapLetsItFinish() throws Exception {
        // the run: 70 stored, 30 refused, its cap of 70 spent; a retry used to send the 30 anyway (100 stored)
        Path state = Files.createTempDirectory("credits-retry");
        EmulatorSettings refusing = EmulatorSettings.builder().rateLimitPerMinute(0).credits(new EmulatorSettings.Credits(10_000, 1, true))
                .lies(new EmulatorSettings.Lies(REFUSE, java.util.Set.of(), 1)).build();
        try (SynapEmulator emulator = SynapEmulator.start(refusing)) {
            CliIT.Result run = cli("run", emulator, "retry_turns", state, "--run-id", "credits-retry", "--max-credits", "70",
                    "--column", "customerId=", "--batch-size", "10", "--concurrency", "1");
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).contains("accepted 70").contains("failed 30");
            assertThat(emulator.documents()).hasSize(70);

            emulator.reconfigure(refusing.toBuilder().lies(EmulatorSettings.Lies.NONE).build()); // Synap takes them now
            List<String> retry = new ArrayList<>(List.of("retry-failures", "credits-retry", "--jdbc-url", pg.jdbcUrl(), "--db-user",
                    pg.user(), "--synap-url", emulator.baseUrl(), "--state-dir", state.toString()));
            CliIT.Result atCap = CliIT.run(secrets(), retry.toArray(String[]::new));
            assertThat(atCap.exit()).as(atCap.output()).isEqualTo(BackfillCommand.BLOCKED);
            assertThat(atCap.output()).contains("Stopped at the run's credit cap").contains("--max-credits 70 allows 70 documents")
                    .contains("backfill retry-failures credits-retry --max-credits N");
            assertThat(emulator.documents()).as("nothing past the cap").hasSize(70);
            assertThat(emulator.creditsSpent()).isEqualTo(70.0);

            retry.addAll(List.of("--max-credits", "100"));
            CliIT.Result raised = CliIT.run(secrets(), retry.toArray(String[]::new));
            assertThat(raised.exit()).as(raised.output()).isZero();
            assertThat(raised.output()).contains("credit cap 70 → 100").contains("resolved 30");
            assertThat(emulator.documents()).hasSize(100);
            assertThat(emulator.creditsSpent()).isEqualTo(100.0);
        }
    }

    @Test
    void estimateSendsNoMoreThanItsCapPays() throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .credits(new EmulatorSettings.Credits(10_000, 1, true)).build())) {
            CliIT.Result estimate = cli("estimate", emulator, "scope_turns", null, "--send", "30",
                    "--max-credits", "5");
            assertThat(estimate.exit()).as(estimate.output()).isZero();
            assertThat(estimate.output()).contains("--send 30: --max-credits 5 allows 5 documents at Synap's 1 credit a document, so 5 are sent");
            assertThat(emulator.documents()).hasSize(5);
        }
    }

    @Test
    void a402MidRunBlocksWithTheBalanceAndATopUpResumesExactlyOnce() throws Exception {
        Path state = Files.createTempDirectory("credits402");
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .credits(new EmulatorSettings.Credits(550, 1, false)).build())) {
            CliIT.Result blocked = cli("run", emulator, "scope_turns", state, "--run-id", "credits-402", "--allow-overage",
                    "--concurrency", "2", "--shard-rows", "500");
            assertThat(blocked.exit()).as(blocked.output()).isEqualTo(BackfillCommand.BLOCKED);
            assertThat(blocked.output()).contains("402 overages_disabled").containsPattern("balance [0-9,]+ credits, this call needs [0-9,]+")
                    .contains("Synap stopped the run for credits").contains("backfill resume credits-402");
            assertThat(emulator.stats().status(402)).isPositive();
            int before = emulator.documents().size();
            assertThat(before).isPositive().isLessThanOrEqualTo(550);

            CliIT.Result status = CliIT.run(Map.of(), "status", "credits-402", "--state-dir", state.toString());
            assertThat(status.output()).as("the reason in the ledger says the balance").contains("BLOCKED").containsPattern("balance [0-9,]+ credits");

            emulator.setCreditBalance(10_000);
            CliIT.Result resumed = resume("credits-402", emulator, state);
            assertThat(resumed.exit()).as(resumed.output()).isZero();
            assertThat(emulator.documents()).hasSize(small.validRows());
            assertThat(emulator.documents().stream().map(StoredDocument::documentId).collect(Collectors.toSet())).hasSize(small.validRows());
            assertThat(emulator.creditsSpent()).isEqualTo((double) small.validRows());
        }
    }

    /** The planner and a fleet of workers in this process (the isolation checks live in the planner's start, as deployed). */
    static final class InProcess {
        final LocalDeployment d;
        final com.synapbackfill.planner.PlannerService planner;

        InProcess(SynapEmulator emulator, String name, Map<String, String> extra) {
            Map<String, String> env = new java.util.HashMap<>(PipelineIT.envFor(emulator, pg, "scope_turns"));
            env.put("SHARD_TARGET_ROWS", "500");
            env.putAll(extra);
            d = LocalDeployment.create(name, RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            planner = com.synapbackfill.planner.PlannerComponents.create(d.settings(), d.env(), d.aws(), java.time.Clock.systemUTC());
        }

        com.synapbackfill.planner.PlannerResults.Start start(String runId) {
            return planner.start(com.synapbackfill.planner.PlannerRequest.of(com.synapbackfill.planner.PlannerRequest.Action.START, runId));
        }

        com.synapbackfill.planner.PlannerResults.Status complete(String runId) throws Exception {
            try (LocalEventSourceMapping esm = StopsAndRecoveriesIT.fleet(d)) {
                StopsAndRecoveriesIT.waitFor(planner, runId, com.synapbackfill.planner.PlannerResults.Status::done);
            }
            return planner.status(runId);
        }
    }

    static SynapEmulator emulator(EmulatorSettings.Isolation isolation) {
        return SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .onlyApiKey(EmulatorSettings.DEFAULT_API_KEY, new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef",
                        isolation)).build());
    }

    @Test
    void aB2bInstanceRefusesAMappingWithoutCustomersAndGetsCustomerIdsWithEveryUser() throws Exception {
        try (SynapEmulator emulator = emulator(EmulatorSettings.Isolation.B2B)) {
            InProcess none = new InProcess(emulator, "b2b-none", Map.of("SOURCE_COLUMNS", "customerId="));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> none.start("b2b-none"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("customerId: the Synap Instance is B2B")
                    .hasMessageContaining("--column customerId=COLUMN");
            assertThat(new com.synapbackfill.ledger.DynamoDbLedger(none.d.aws().dynamo(), none.d.table(), java.time.Clock.systemUTC())
                    .run("b2b-none")).as("no run was created").isEmpty();
            assertThat(emulator.stats().batchCalls()).isZero();

            InProcess mapped = new InProcess(emulator, "b2b-run", Map.of());
            assertThat(mapped.start("b2b-run").notes()).anySatisfy(n -> assertThat(n).contains("Synap Instance is B2B (user_context_isolation strict)"));
            var status = mapped.complete("b2b-run");
            assertThat(status.status()).isEqualTo("COMPLETED");
            assertThat(status.counters().failed()).as("the rows without a customer").isEqualTo(7);
            List<StoredDocument> docs = List.copyOf(emulator.documents());
            assertThat(docs).hasSize(small.validRows() - 7);
            assertThat(docs).allSatisfy(d -> assertThat(d.customerId()).startsWith("c-"));
            assertThat(mapped.planner.report("b2b-run").failuresByClass()).containsEntry("bad_row:missing_customer_id", 7L);
            assertThat(emulator.stats().itemFailures()).as("Synap refused nothing").isZero();
        }
    }

    @Test
    void aB2cInstanceGetsUserIdsAloneAndTheRunSaysWhy() throws Exception {
        try (SynapEmulator emulator = emulator(EmulatorSettings.Isolation.B2C)) {
            InProcess required = new InProcess(emulator, "b2c-required", Map.of("REQUIRE_CUSTOMER_ID", "true"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> required.start("b2c-required"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requireCustomerId: the Synap Instance is B2C");

            InProcess run = new InProcess(emulator, "b2c-run", Map.of());
            assertThat(run.start("b2c-run").notes()).anySatisfy(n -> assertThat(n).contains(
                    "Synap Instance is B2C (user_context_isolation equals_customer): the customer column is read but customer_id is not sent"));
            var status = run.complete("b2c-run");
            assertThat(status.status()).isEqualTo("COMPLETED");
            List<StoredDocument> docs = List.copyOf(emulator.documents());
            assertThat(docs).as("every row arrives, none refused for its customer (the 7 without one too)").hasSize(small.validRows());
            assertThat(docs).allSatisfy(d -> {
                assertThat(d.customerId()).isNull();
                assertThat(d.userId()).startsWith("u-");
            });
            assertThat(emulator.stats().itemFailures()).isZero();
        }
    }

    @Test
    void withoutTheRunsMappingTheEmulatorRefusesWhatSynapRefuses() throws Exception {
        // the emulator's own rules, which the checks above keep a run away from: B2C refuses a customer_id, B2B a user alone
        try (SynapEmulator b2c = emulator(EmulatorSettings.Isolation.B2C); SynapEmulator b2b = emulator(EmulatorSettings.Isolation.B2B)) {
            var doc = new com.synapbackfill.model.MemoryDocument("User: hi", "ai-chat-conversation", "scope:1", null, "u-1", "c-1",
                    "long-range", Map.of());
            var alone = new com.synapbackfill.model.MemoryDocument("User: hi", "ai-chat-conversation", "scope:2", null, "u-1", null,
                    "long-range", Map.of());
            var c = new com.synapbackfill.synap.OkHttpSynapApi(com.synapbackfill.synap.OkHttpSynapApi.sharedHttpClient(),
                    com.synapbackfill.synap.SynapClientConfig.defaults(b2c.baseUrl(), EmulatorSettings.DEFAULT_API_KEY),
                    com.synapbackfill.synap.SynapApi.CallGate.NONE, com.synapbackfill.retry.Sleeper.REAL, java.time.Clock.systemUTC());
            assertThat(c.whoami().isolation()).isEqualTo("equals_customer");
            assertThat(c.batchCreate(List.of(doc)).results().get(0).errorMessage()).contains("customer_id is not accepted");
            var b = new com.synapbackfill.synap.OkHttpSynapApi(com.synapbackfill.synap.OkHttpSynapApi.sharedHttpClient(),
                    com.synapbackfill.synap.SynapClientConfig.defaults(b2b.baseUrl(), EmulatorSettings.DEFAULT_API_KEY),
                    com.synapbackfill.synap.SynapApi.CallGate.NONE, com.synapbackfill.retry.Sleeper.REAL, java.time.Clock.systemUTC());
            assertThat(b.whoami().isolation()).isEqualTo("strict");
            assertThat(b.batchCreate(List.of(alone)).results().get(0).errorMessage()).contains("customer_id is required");
        }
    }
}
