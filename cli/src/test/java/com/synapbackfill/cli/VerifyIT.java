package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code backfill verify} as a user runs it, each command its own process: a run against an emulator whose
 * extraction fails 2 % and partly fails 1 % of documents after a processing delay, then verify of a sample
 * (every sampled status exactly the emulator's, the interval covering the run's true failed share, verify.json
 * and the printed summary agreeing), of the whole run ({@code --all}: the exact share), and the resend of the
 * failed ones, which Synap's item-failure duplicate policy refuses, as the command says.
 */
class VerifyIT {
    static RealParts.Postgres pg;
    static SynapEmulator emulator;
    static final int ROWS = 2_000;

    @BeforeAll
    static void setUp() {
        pg = RealParts.postgres();
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).seed(5)
                .extraction(new EmulatorSettings.Extraction(Duration.ofSeconds(2), 0.02, 0.01)).build());
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "verify_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(0).withSeed(21));
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    private static Map<String, String> secrets() {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password());
    }

    @Test
    void verifyReportsWhatSynapDecidedForASampleAndForTheWholeRun() throws Exception {
        Path state = Files.createTempDirectory("backfill-verify");
        CliIT.Result run = CliIT.run(secrets(), "run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--synap-url",
                emulator.baseUrl(), "--state-dir", state.toString(), "--table", "verify_turns", "--rate-limit", "60000",
                "--run-id", "verify-a");
        assertThat(run.exit()).as(run.output()).isZero();
        List<StoredDocument> docs = emulator.documents().stream()
                .filter(x -> "verify-a".equals(x.metadata().path("run_id").asText())).toList();
        assertThat(docs).hasSize(ROWS);
        Map<String, Long> truth = new TreeMap<>();
        docs.forEach(x -> truth.merge(emulator.extractionOutcome(x.documentId()), 1L, Long::sum));
        double trueFailed = truth.getOrDefault("failed", 0L) / (double) ROWS;
        assertThat(truth.getOrDefault("failed", 0L)).as("the emulator fails some extractions").isBetween(20L, 70L);
        assertThat(truth.getOrDefault("partial_success", 0L)).isPositive();

        // a sample of 400, polled until terminal
        CliIT.Result verify = CliIT.run(secrets(), "verify", "verify-a", "--sample", "400", "--wait", "--timeout", "2m",
                "--seed", "3", "--state-dir", state.toString());
        System.err.println(verify.output());
        assertThat(verify.exit()).as(verify.output()).isEqualTo(5);
        JsonNode json = Json.MAPPER.readTree(state.resolve("reports/runs/verify-a/verify.json").toFile());
        JsonNode items = json.path("items");
        assertThat(items.size()).isEqualTo(400);
        assertThat(json.path("population").asLong()).isEqualTo(ROWS);
        Map<String, Long> counted = new TreeMap<>();
        long memories = 0;
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (JsonNode it : items) {
            String doc = it.path("documentId").asText();
            assertThat(ids.add(doc)).as("sampled once: " + doc).isTrue();
            assertThat(it.path("status").asText()).as(doc).isEqualTo(emulator.extractionOutcome(doc));
            assertThat(emulator.ingestion(it.path("ingestionId").asText())).hasValueSatisfying(x -> assertThat(x.documentId()).isEqualTo(doc));
            assertThat(it.path("sourceRowId").asText()).isNotEmpty();
            if (!it.path("status").asText().equals("completed")) assertThat(it.path("error").asText()).isNotEmpty();
            counted.merge(it.path("status").asText(), 1L, Long::sum);
            memories += it.path("memoriesCreated").asLong();
        }
        Map<String, Long> byStatus = new TreeMap<>();
        json.path("byStatus").fields().forEachRemaining(e -> byStatus.put(e.getKey(), e.getValue().asLong()));
        assertThat(byStatus).isEqualTo(counted);
        assertThat(json.path("memoriesCreated").asLong()).isEqualTo(memories);
        double low = json.path("ci95").path("low").asDouble();
        double high = json.path("ci95").path("high").asDouble();
        assertThat(trueFailed).as("the run's true failed share lies in the 95 % interval").isBetween(low, high);
        assertThat(json.path("estimatedFailedShare").asDouble()).isEqualTo(counted.getOrDefault("failed", 0L) / 400.0);
        // the printed summary is verify.json's
        assertThat(verify.output()).contains(String.format("400 sampled of %,d accepted documents", ROWS))
                .contains(String.format("failed extractions: %.2f %% of the sample; for the whole run %.2f %% .. %.2f %% (95 %%)",
                        100 * json.path("estimatedFailedShare").asDouble(), 100 * low, 100 * high))
                .contains(String.format("memories created %,d", memories))
                .contains("retry-failures verify-a --extraction --state-dir " + state);
        counted.forEach((k, v) -> assertThat(verify.output()).contains(k + " " + String.format("%,d", v)));

        // the whole run: the exact share, an interval of width zero
        CliIT.Result all = CliIT.run(secrets(), "verify", "verify-a", "--all", "--wait", "--timeout", "2m",
                "--state-dir", state.toString());
        assertThat(all.exit()).as(all.output()).isEqualTo(5);
        JsonNode census = Json.MAPPER.readTree(state.resolve("reports/runs/verify-a/verify.json").toFile());
        assertThat(census.path("items").size()).isEqualTo(ROWS);
        Map<String, Long> allStatus = new TreeMap<>();
        census.path("byStatus").fields().forEachRemaining(e -> allStatus.put(e.getKey(), e.getValue().asLong()));
        assertThat(allStatus).isEqualTo(truth);
        assertThat(census.path("estimatedFailedShare").asDouble()).isEqualTo(trueFailed);
        assertThat(census.path("ci95").path("low").asDouble()).isEqualTo(trueFailed);
        assertThat(census.path("ci95").path("high").asDouble()).isEqualTo(trueFailed);

        // resending the failed ones: the item-failure policy refuses a known document id, and the command says so
        long failedOnes = census.path("byStatus").path("failed").asLong() + census.path("byStatus").path("partial_success").asLong();
        CliIT.Result retry = CliIT.run(secrets(), "retry-failures", "verify-a", "--extraction", "--jdbc-url", pg.jdbcUrl(),
                "--db-user", pg.user(), "--state-dir", state.toString());
        System.err.println(retry.output());
        assertThat(retry.exit()).as(retry.output()).isEqualTo(5);
        assertThat(retry.output()).contains(String.format("resent %,d documents whose extraction failed", failedOnes))
                .contains(String.format("Synap refused %,d as already present", failedOnes))
                .contains("its duplicate policy keeps the document it has");
        assertThat(emulator.stats().accepted()).as("nothing new was stored").isEqualTo(ROWS);
    }

    @Test
    void verifyOfAnUnknownRunOrWithoutAKeyNamesWhatIsMissing() throws Exception {
        Path state = Files.createTempDirectory("backfill-verify-bad");
        CliIT.Result noKey = CliIT.run(Map.of(), "verify", "nope", "--state-dir", state.toString());
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.output()).contains("SYNAP_API_KEY: is required");
        CliIT.Result bad = CliIT.run(new HashMap<>(secrets()), "verify", "nope", "--timeout", "soon", "--state-dir", state.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("--timeout: must be a number with ms, s, m or h (e.g. 30m), was \"soon\"");
    }
}
