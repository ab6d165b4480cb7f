package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.ChatLogFixture;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Point it at the table you have: a table whose columns are not named like the defaults, with no customer column,
 * soft deletes, a consent flag and history after the go-live cutover, read by a login that may only SELECT it.
 * Mapping, filter and cutover given as flags, as a --config file, and as a planner start event: exactly the rows
 * they take arrive, once, byte-exact, with their own time; the rest are counted as skipped.
 */
public class SourceContractIT {
    static final int ROWS = 1_500;
    static RealParts.Postgres pg;
    static ChatLogFixture.Loaded loaded;
    static SynapEmulator emulator;

    @BeforeAll
    static void setUp() {
        pg = RealParts.postgres();
        loaded = ChatLogFixture.load(pg, "chat_log", ROWS);
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    static Map<String, String> env() {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", ChatLogFixture.READER_PASSWORD);
    }

    static List<String> base(Path state, String runId) {
        return new ArrayList<>(List.of("run", "--jdbc-url", ChatLogFixture.readerJdbcUrl(pg), "--db-user", ChatLogFixture.READER, "--synap-url", emulator.baseUrl(),
                "--rate-limit", "60000", "--shard-rows", "500", "--run-id", runId, "--state-dir", state.toString()));
    }

    @Test
    void theReaderCannotCreateAView() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (var c = DriverManager.getConnection(ChatLogFixture.readerJdbcUrl(pg), ChatLogFixture.READER, ChatLogFixture.READER_PASSWORD);
                 var st = c.createStatement()) {
                st.execute("CREATE VIEW turns_view AS SELECT * FROM chat_log");
            }
        })).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
    }

    @Test
    void flagsOnlyAsAReadOnlyUser() throws Exception {
        emulator.clearDocuments();
        Path state = Files.createTempDirectory("source-flags");
        List<String> args = base(state, "flags-run");
        args.addAll(List.of("--table", "chat_log", "--filter", ChatLogFixture.FILTER, "--until", ChatLogFixture.UNTIL));
        args.addAll(List.of(ChatLogFixture.columnFlags()));
        CliIT.Result r = CliIT.run(env(), args.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(String.format("skipped %,d", loaded.skipped()));
        assertArrived(state, "flags-run");
        // the same run id with another filter: refused, naming what differs; nothing more is sent
        long received = emulator.stats().documentsReceived();
        List<String> other = new ArrayList<>(args);
        other.set(other.indexOf(ChatLogFixture.FILTER), "deleted_at IS NULL");
        CliIT.Result again = CliIT.run(env(), other.toArray(String[]::new));
        assertThat(again.exit()).as(again.output()).isEqualTo(2);
        assertThat(again.output()).contains("exists with another source").contains("filter is \"" + ChatLogFixture.FILTER + "\", not \"deleted_at IS NULL\"");
        assertThat(emulator.stats().documentsReceived()).isEqualTo(received);
        // the same source with another rate limit: applied to the run (and recorded), not ignored
        List<String> faster = new ArrayList<>(args);
        faster.set(faster.indexOf("60000") , "1200");
        CliIT.Result raised = CliIT.run(env(), faster.toArray(String[]::new));
        assertThat(raised.exit()).as(raised.output()).isZero();
        assertThat(raised.output()).contains("Run flags-run exists (COMPLETED)").contains("ceiling 2000 docs/s");
    }

    @Test
    void theSameThroughAConfigFileWithSnakeCaseFields() throws Exception {
        emulator.clearDocuments();
        Path state = Files.createTempDirectory("source-yaml");
        Path config = state.resolve("backfill.yaml");
        Files.writeString(config, String.join("\n",
                "table: chat_log",
                "columns:",
                "  id: pk",
                "  user_id: account",
                "  conversation_id: chat",
                "  message_index: pos",
                "  user_text: prompt",
                "  assistant_text: reply",
                "  created_at: sent_at",
                "filter: \"" + ChatLogFixture.FILTER + "\"",
                "until: \"" + ChatLogFixture.UNTIL + "\"", ""));
        List<String> args = base(state, "yaml-run");
        args.addAll(List.of("--config", config.toString()));
        CliIT.Result r = CliIT.run(env(), args.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(state, "yaml-run");
    }

    @Test
    void badMappingsAreAllReportedAtOnceNamingTheFlag() throws Exception {
        Path state = Files.createTempDirectory("source-bad-mapping");
        List<String> args = base(state, "bad-mapping");
        args.addAll(List.of("--table", "chat_log", "--column", "userId=sent_by", "--column", "created_at=sent", "--column", "id=pk"));
        CliIT.Result r = CliIT.run(env(), args.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isEqualTo(2);
        // every problem in one message, with the table's columns and how to map them
        assertThat(r.output()).contains("columns.userId: column \"sent_by\" not found").contains("columns.createdAt: column \"sent\" not found")
                .contains("columns.conversationId: column \"conversation_id\" not found").contains("[pk, account, chat, pos, prompt, reply, sent_at, deleted_at, consent]")
                .contains("--column FIELD=COLUMN").doesNotContain("Exception");
        try (var files = Files.list(state)) {
            assertThat(files.toList()).as("the source is checked before any part of the run starts").isEmpty();
        }
        CliIT.Result unknownField = CliIT.run(env(), "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u",
                "--table", "chat_log", "--column", "author=account");
        assertThat(unknownField.exit()).isEqualTo(2);
        assertThat(unknownField.output()).contains("--column author=account: unknown field \"author\"");
    }

    @Test
    void refusedFiltersExitTwoNamingThePartBeforeTheDatabaseIsAsked() throws Exception {
        // an unreachable database: a refusal that names the filter proves nothing was sent to it
        Map<String, String> refused = Map.of(
                "id IN (SELECT pk FROM chat_log)", "a subquery",
                "pg_sleep(10) IS NULL", "a function call (pg_sleep(10))",
                "1=1; DROP TABLE x", "';' (a second statement)",
                "consent -- AND deleted_at IS NULL", "a comment (--)",
                "consent /* hidden */", "a comment (/* */)",
                "(".repeat(2_000) + "consent" + ")".repeat(2_000), "nesting deeper than 64 parentheses",
                "pk IN (" + String.join(", ", java.util.Collections.nCopies(25_000, "1")) + ")", "binds 25000 literals; at most 10000");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            CliIT.Result r = CliIT.run(env(), "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u",
                    "--table", "chat_log", "--filter", e.getKey());
            assertThat(r.exit()).as(e.getKey() + ": " + r.output()).isEqualTo(2);
            assertThat(r.output()).as(e.getKey()).contains("--filter: " + e.getValue()).doesNotContain("cannot connect");
        }
        // an unknown column is found in the catalog, before anything is planned
        Path state = Files.createTempDirectory("source-bad-filter");
        List<String> args = base(state, "bad-filter");
        args.addAll(List.of("--table", "chat_log", "--filter", "removed IS NULL"));
        args.addAll(List.of(ChatLogFixture.columnFlags()));
        CliIT.Result r = CliIT.run(env(), args.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("source.filter: column \"removed\" not found").contains("deleted_at");
        assertThat(Files.exists(state.resolve("reports/runs/bad-filter"))).isFalse();
    }

    @Test
    void theSameThroughThePlannersStartEvent() throws Exception {
        emulator.clearDocuments();
        Map<String, String> env = new java.util.LinkedHashMap<>(PipelineIT.envFor(emulator, pg, "turns_unused"));
        env.remove("SOURCE_TABLE"); // the start event names the source
        env.put("SOURCE_JDBC_URL", ChatLogFixture.readerJdbcUrl(pg));
        env.put("SOURCE_DB_USER", ChatLogFixture.READER);
        env.put("SOURCE_DB_PASSWORD", ChatLogFixture.READER_PASSWORD);
        env.put("SHARD_TARGET_ROWS", "500");
        LocalDeployment d = LocalDeployment.create("source-event", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
        var settings = d.settings();
        var planner = com.synapbackfill.planner.PlannerComponents.create(settings, d.env(), d.aws(), java.time.Clock.systemUTC());
        String event = "{\"action\":\"start\",\"runId\":\"event-run\",\"rateLimitPerMinute\":60000,\"source\":"
                + ChatLogFixture.sourceJson("chat_log") + "}";
        JsonNode start = Json.MAPPER.readTree(PipelineIT.invokePlanner(planner, event));
        assertThat(start.get("status").asText()).as(start.toString()).isEqualTo("RUNNING");
        try (LocalEventSourceMapping esm = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                () -> new com.synapbackfill.worker.lambda.WorkerHandler(com.synapbackfill.worker.WorkerComponents.create(settings, d.env(), d.aws(),
                        com.synapbackfill.worker.ShardWorker.CrashPoints.NONE, java.time.Clock.systemUTC()).worker()),
                3, java.time.Duration.ofMillis(2_500), java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(1)).start()) {
            PipelineIT.waitUntilDone(planner, "event-run", java.time.Duration.ofMinutes(3));
        }
        assertArrived(emulator, loaded);
        var run = new com.synapbackfill.ledger.DynamoDbLedger(d.aws().dynamo(), d.table(), java.time.Clock.systemUTC()).run("event-run").orElseThrow();
        assertThat(run.counters().skipped()).isEqualTo(loaded.skipped());
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.config().source().filter()).isEqualTo(ChatLogFixture.FILTER); // the ledger's snapshot keeps the contract
        assertThat(run.config().source().columns().createdAt()).isEqualTo("sent_at");
    }

    /** Exactly the rows the filter and cutover take, once, byte-exact, with their own time; the report agrees. */
    static void assertArrived(Path state, String runId) throws Exception {
        assertArrived(emulator, loaded);
        JsonNode report = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/" + runId + "/report.json")));
        JsonNode counts = report.get("counts");
        assertThat(counts.get("rowsRead").asLong()).isEqualTo(ROWS);
        assertThat(counts.get("skipped").asLong()).isEqualTo(loaded.skipped());
        assertThat(counts.get("failed").asLong()).isEqualTo(loaded.bad().size());
        assertThat(counts.get("accepted").asLong()).isEqualTo(loaded.included().size());
        String failures = Files.readString(state.resolve("reports/runs/" + runId + "/failures.jsonl"));
        assertThat(failures.lines()).hasSize(loaded.bad().size()).allSatisfy(l -> assertThat(l).contains("sent_at is null"));
    }

    /** Exactly the rows the fixture's filter and cutover take are in {@code emulator}, once, byte-exact, with their own time. */
    public static void assertArrived(SynapEmulator emulator, ChatLogFixture.Loaded loaded) throws Exception {
        List<StoredDocument> docs = List.copyOf(emulator.documents());
        Map<String, StoredDocument> bySource = Arrivals.exactlyOnce(docs, loaded.included().keySet());
        for (var e : loaded.included().entrySet()) {
            StoredDocument d = bySource.get(e.getKey());
            assertThat(d.sha256()).as("text of row " + e.getKey()).isEqualTo(Arrivals.sha256(e.getValue().text()));
            assertThat(Instant.parse(d.createdAt())).as("time of row " + e.getKey()).isEqualTo(e.getValue().createdAt());
            assertThat(d.userId()).isEqualTo(e.getValue().userId());
            assertThat(d.customerId()).isNull();
        }
        assertThat(emulator.stats().updates()).isZero();
    }
}
