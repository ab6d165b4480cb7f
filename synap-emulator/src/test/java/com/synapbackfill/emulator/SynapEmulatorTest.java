package com.synapbackfill.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator over real HTTP: every endpoint, every setting, reproducible faults. */
class SynapEmulatorTest {
    static final ObjectMapper M = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    SynapEmulator emu;

    SynapEmulator start(EmulatorSettings.Builder b) {
        emu = SynapEmulator.start(b.build());
        return emu;
    }

    @AfterEach
    void stop() {
        if (emu != null) emu.close();
    }

    HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(emu.baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) r.header("Authorization", "Bearer " + key);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(emu.baseUrl() + path)).GET();
        if (key != null) r.header("Authorization", "Bearer " + key);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String doc(String id, String user, String customer) {
        return "{\"document\":\"User: hi\\nAssistant: hello\",\"document_type\":\"ai-chat-conversation\",\"document_id\":"
                + (id == null ? "null" : "\"" + id + "\"") + ",\"document_created_at\":\"2024-01-15T10:30:00Z\",\"user_id\":"
                + (user == null ? "null" : "\"" + user + "\"") + ",\"customer_id\":" + (customer == null ? "null" : "\"" + customer + "\"")
                + ",\"mode\":\"long-range\",\"metadata\":{\"k\":1}}";
    }

    static String batch(String... docs) {
        return "{\"documents\":[" + String.join(",", docs) + "],\"fail_fast\":false}";
    }

    HttpResponse<String> batchOf(String... docs) throws Exception {
        return post("/api/v1/memories/batch", batch(docs), EmulatorSettings.DEFAULT_API_KEY);
    }

    @Test
    void acceptsABatchInOrderWithParseableIdsAndKeepsTheDocuments() throws Exception {
        start(EmulatorSettings.builder());
        HttpResponse<String> r = batchOf(doc("a", "u", null), doc(null, "u", "c"), doc("b", null, null));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = M.readTree(r.body());
        UUID.fromString(j.get("batch_id").asText());
        assertThat(j.get("total").asInt()).isEqualTo(3);
        assertThat(j.get("succeeded").asInt()).isEqualTo(3);
        assertThat(j.get("results")).hasSize(3);
        assertThat(j.get("results").get(0).get("document_id").asText()).isEqualTo("a");
        assertThat(j.get("results").get(1).get("document_id").asText()).startsWith("doc_");
        for (JsonNode res : j.get("results")) {
            UUID.fromString(res.get("ingestion_id").asText());
            assertThat(res.get("status").asText()).isEqualTo("queued");
            java.time.Instant.parse(res.get("queued_at").asText());
        }
        assertThat(emu.documents()).hasSize(3);
        assertThat(emu.stats().accepted()).isEqualTo(3);
        String ingestion = j.get("results").get(0).get("ingestion_id").asText();
        JsonNode status = M.readTree(get("/api/v1/memories/status/" + ingestion, EmulatorSettings.DEFAULT_API_KEY).body());
        assertThat(status.get("document_id").asText()).isEqualTo("a");
        assertThat(get("/api/v1/memories/status/" + UUID.randomUUID(), EmulatorSettings.DEFAULT_API_KEY).statusCode()).isEqualTo(404);
        assertThat(get("/_emulator/documents", null).body().lines().filter(l -> !l.isBlank()).count()).isEqualTo(3);
        assertThat(M.readTree(get("/_emulator/stats", null).body()).get("accepted").asLong()).isEqualTo(3);
    }

    @Test
    void extractionRunsAsynchronouslyToASeededOutcomePerDocument() throws Exception {
        start(EmulatorSettings.builder().rateLimitPerMinute(0).seed(9)
                .extraction(new EmulatorSettings.Extraction(java.time.Duration.ofMillis(600), 0.2, 0.1)));
        String[] docs = new String[100];
        for (int i = 0; i < docs.length; i++) docs[i] = doc("x" + i, "u", null);
        JsonNode j = M.readTree(batchOf(docs).body());
        java.util.Map<String, String> ids = new java.util.LinkedHashMap<>();
        for (JsonNode r : j.get("results")) ids.put(r.get("ingestion_id").asText(), r.get("document_id").asText());
        // at once: queued, nothing made yet
        JsonNode first = M.readTree(get("/api/v1/memories/status/" + ids.keySet().iterator().next(), EmulatorSettings.DEFAULT_API_KEY).body());
        assertThat(first.get("status").asText()).isEqualTo("queued");
        assertThat(first.get("memories_created").asInt()).isZero();
        assertThat(first.get("completed_at").isNull()).isTrue();
        // a second later on the emulator's clock: past every document's delay (at most 1.5 × 600 ms), without waiting
        emu.useClock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofSeconds(1)));
        java.util.Map<String, Integer> by = new java.util.TreeMap<>();
        for (var e : ids.entrySet()) {
            JsonNode st = M.readTree(get("/api/v1/memories/status/" + e.getKey(), EmulatorSettings.DEFAULT_API_KEY).body());
            String status = st.get("status").asText();
            assertThat(status).as(e.getValue()).isEqualTo(emu.extractionOutcome(e.getValue()));
            by.merge(status, 1, Integer::sum);
            if (status.equals("completed")) assertThat(st.get("memories_created").asInt()).isBetween(1, 3).isEqualTo(st.get("memory_ids").size());
            else assertThat(st.get("error_message").asText()).isNotEmpty();
            if (status.equals("failed")) assertThat(st.get("memories_created").asInt()).isZero();
        }
        assertThat(by.getOrDefault("failed", 0)).isBetween(10, 32);
        assertThat(by.getOrDefault("partial_success", 0)).isBetween(3, 20);
        assertThat(emu.stats().statusCalls()).isEqualTo(101);
        // the same seed decides the same outcome for the same document id, in another emulator
        try (SynapEmulator again = SynapEmulator.start(emu.settings().toBuilder().port(0).build())) {
            ids.values().forEach(d -> assertThat(again.extractionOutcome(d)).isEqualTo(emu.extractionOutcome(d)));
        }
    }

    @Test
    void duplicatePolicyItemFailureIsPerItem() throws Exception {
        start(EmulatorSettings.builder());
        batchOf(doc("a", "u", null));
        JsonNode j = M.readTree(batchOf(doc("a", "u", null), doc("b", "u", null)).body());
        assertThat(j.get("results").get(0).get("status").asText()).isEqualTo("failed");
        assertThat(j.get("results").get(0).get("error_message").asText()).contains("already");
        assertThat(j.get("results").get(1).get("status").asText()).isEqualTo("queued");
        assertThat(emu.stats().duplicates()).isEqualTo(1);
        assertThat(emu.documents()).hasSize(2);
    }

    @Test
    void duplicatePolicyConflictRefusesTheWholeCallNamingTheIds() throws Exception {
        start(EmulatorSettings.builder().duplicatePolicy(EmulatorSettings.DuplicatePolicy.CONFLICT));
        batchOf(doc("a", "u", null));
        HttpResponse<String> r = batchOf(doc("a", "u", null), doc("b", "u", null));
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(M.readTree(r.body()).get("detail").get("document_ids").get(0).asText()).isEqualTo("a");
        assertThat(emu.documents()).hasSize(1);
        assertThat(post("/api/v1/memories/create", doc("a", "u", null), EmulatorSettings.DEFAULT_API_KEY).statusCode()).isEqualTo(409);
    }

    @Test
    void duplicatePolicyUpsertUpdatesInPlace() throws Exception {
        start(EmulatorSettings.builder().duplicatePolicy(EmulatorSettings.DuplicatePolicy.UPSERT));
        batchOf(doc("a", "u", null));
        JsonNode j = M.readTree(batchOf(doc("a", "u2", null)).body());
        assertThat(j.get("results").get(0).get("status").asText()).isEqualTo("queued");
        assertThat(emu.documents()).hasSize(1);
        assertThat(emu.documents().iterator().next().updates()).isEqualTo(1);
        assertThat(emu.documents().iterator().next().userId()).isEqualTo("u2");
        assertThat(emu.stats().updates()).isEqualTo(1);
    }

    @Test
    void authCreditsOutageAndForbiddenAnswers() throws Exception {
        start(EmulatorSettings.builder());
        assertThat(post("/api/v1/memories/batch", batch(doc("a", "u", null)), null).statusCode()).isEqualTo(401);
        assertThat(post("/api/v1/memories/batch", batch(doc("a", "u", null)), "wrong").statusCode()).isEqualTo(401);
        emu.setCreditsExhausted(true);
        HttpResponse<String> credits = batchOf(doc("a", "u", null));
        assertThat(credits.statusCode()).isEqualTo(402);
        assertThat(M.readTree(credits.body()).get("detail").has("balance_credits")).isTrue();
        emu.setCreditsExhausted(false);
        emu.setOutage(true);
        assertThat(batchOf(doc("a", "u", null)).statusCode()).isEqualTo(503);
        emu.setOutage(false);
        emu.forbidKey(EmulatorSettings.DEFAULT_API_KEY);
        assertThat(batchOf(doc("a", "u", null)).statusCode()).isEqualTo(403);
        emu.addKey("synap_new", new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef", false));
        assertThat(post("/api/v1/memories/batch", batch(doc("a", "u", null)), "synap_new").statusCode()).isEqualTo(200);
        emu.revokeKey("synap_new");
        assertThat(post("/api/v1/memories/batch", batch(doc("b", "u", null)), "synap_new").statusCode()).isEqualTo(401);
        assertThat(emu.documents()).hasSize(1);
    }

    @Test
    void validationLimitsAndB2bRules() throws Exception {
        start(EmulatorSettings.builder().maxDocumentsPerBatch(2).apiKey("b2b",
                new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_00000000000000b2", true)));
        HttpResponse<String> over = batchOf(doc("a", "u", null), doc("b", "u", null), doc("c", "u", null));
        assertThat(over.statusCode()).isEqualTo(422);
        assertThat(M.readTree(over.body()).get("detail").isArray()).isTrue();
        JsonNode b2b = M.readTree(post("/api/v1/memories/batch", batch(doc("x", "u", null), doc("y", "u", "c")), "b2b").body());
        assertThat(b2b.get("results").get(0).get("status").asText()).isEqualTo("failed");
        assertThat(b2b.get("results").get(0).get("error_message").asText()).contains("customer_id");
        assertThat(b2b.get("results").get(1).get("status").asText()).isEqualTo("queued");
        HttpResponse<String> failFast = post("/api/v1/memories/batch",
                "{\"documents\":[" + doc("p", "u", null) + ",{\"document\":\"\"}],\"fail_fast\":true}", EmulatorSettings.DEFAULT_API_KEY);
        assertThat(failFast.statusCode()).isEqualTo(400);
        assertThat(batchOf("{\"document\":\"x\",\"document_type\":\"note\"}").body()).contains("document_type");
        assertThat(post("/api/v1/memories/batch", "{oops", EmulatorSettings.DEFAULT_API_KEY).statusCode()).isEqualTo(422);
        // unknown fields and absent optional keys are fine (newer SDKs, MCP-style bodies)
        assertThat(M.readTree(batchOf("{\"document\":\"x\",\"future_field\":1}").body()).get("succeeded").asInt()).isEqualTo(1);
    }

    @Test
    void rateLimitAnswers429WithIntegerRetryAfterAndReset() throws Exception {
        start(EmulatorSettings.builder().rateLimitPerMinute(60).burst(2));
        List<HttpResponse<String>> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++) rs.add(batchOf(doc("d" + i, "u", null)));
        assertThat(rs).extracting(HttpResponse::statusCode).containsExactly(200, 200, 429, 429);
        HttpResponse<String> limited = rs.get(2);
        assertThat(limited.headers().firstValue("Retry-After").orElseThrow()).matches("\\d+");
        assertThat(Long.parseLong(limited.headers().firstValue("X-RateLimit-Reset").orElseThrow()))
                .isGreaterThan(System.currentTimeMillis() / 1000 - 1);
        assertThat(emu.stats().rateLimited()).isEqualTo(2);
        assertThat(emu.documents()).hasSize(2);
    }

    @Test
    void faultScheduleIsReproducibleForASeed() throws Exception {
        List<List<Integer>> runs = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            start(EmulatorSettings.builder().rateLimitPerMinute(0).seed(99).faults(new EmulatorSettings.Faults(0.2, 0.2, 0, 0,
                    Duration.ofMillis(10), 0.1, 3, 0, Duration.ZERO)));
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 40; i++) codes.add(batchOf(doc("r" + round + "-" + i, "u", null)).statusCode());
            runs.add(codes);
            emu.close();
        }
        emu = null;
        assertThat(runs.get(0)).isEqualTo(runs.get(1));
        assertThat(runs.get(0)).contains(200, 500, 503, 429);
    }

    @Test
    void droppedConnectionsAndAcceptThenSlowHappen() throws Exception {
        start(EmulatorSettings.builder().rateLimitPerMinute(0).faults(new EmulatorSettings.Faults(0, 0, 0.5, 0.5,
                Duration.ofMillis(300), 0, 0, 0, Duration.ZERO)));
        int drops = 0;
        for (int i = 0; i < 10; i++) {
            try {
                batchOf(doc("f" + i, "u", null));
            } catch (java.io.IOException e) {
                drops++;
            }
        }
        assertThat(drops).isEqualTo((int) emu.stats().dropped()).isPositive();
        assertThat(emu.stats().acceptedThenSlow()).isPositive();
        assertThat(emu.documents()).hasSize((int) emu.stats().acceptedThenSlow()); // dropped calls stored nothing
    }

    @Test
    void whoamiHealthAndTelemetry() throws Exception {
        start(EmulatorSettings.builder());
        JsonNode who = M.readTree(get("/api/v1/auth/whoami", EmulatorSettings.DEFAULT_API_KEY).body());
        assertThat(who.get("client_id").asText()).matches("cli_[0-9a-f]{16}");
        assertThat(who.get("instance_id").asText()).matches("inst_[0-9a-f]{16}");
        assertThat(get("/api/v1/auth/whoami", "nope").statusCode()).isEqualTo(401);
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        assertThat(post("/v1/telemetry/batch", "{\"events\":[]}", EmulatorSettings.DEFAULT_API_KEY).statusCode()).isEqualTo(202);
    }

    @Test
    void flagsParseIntoSettings() {
        EmulatorSettings s = EmulatorFlags.parse(new String[] {"--port", "0", "--rate-limit", "3000", "--duplicates", "conflict",
                "--latency-p50-ms", "150", "--latency-p95-ms", "400", "--faults", "--b2b"});
        assertThat(s.rateLimitPerMinute()).isEqualTo(3000);
        assertThat(s.duplicatePolicy()).isEqualTo(EmulatorSettings.DuplicatePolicy.CONFLICT);
        assertThat(s.latencyP95()).isEqualTo(Duration.ofMillis(400));
        assertThat(s.faults().any()).isTrue();
        assertThat(s.instances().values().iterator().next().b2b()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmulatorFlags.parse(new String[] {"--rate-limit", "x"}))
                .hasMessageContaining("--rate-limit");
    }

    @Test
    void aWalletAnswersBalanceAndEstimateAndEveryAcceptedDocumentConsumesIt() throws Exception {
        start(EmulatorSettings.builder().rateLimitPerMinute(0).credits(new EmulatorSettings.Credits(10, 2, false)));
        String key = EmulatorSettings.DEFAULT_API_KEY;
        JsonNode b = M.readTree(get("/v1/credits/balance", key).body());
        assertThat(b.get("balance_credits").asDouble()).isEqualTo(10.0);
        assertThat(b.get("client_id").asText()).isEqualTo("cli_0123456789abcdef");
        assertThat(b.get("buckets").get(0).get("source_type").asText()).isEqualTo("subscription");
        HttpResponse<String> est = post("/v1/credits/estimate", "{\"metric_type\":\"memory_documents\",\"units\":7,\"item_count\":7,"
                + "\"endpoint\":\"/api/v1/memories/batch\",\"mode\":\"fast\"}", key);
        assertThat(M.readTree(est.body()).get("credits_estimate").asDouble()).isEqualTo(14.0);
        assertThat(post("/v1/credits/estimate", "{}", key).statusCode()).as("metric_type is required").isEqualTo(422);
        assertThat(get("/v1/credits/balance", "wrong").statusCode()).isEqualTo(401);

        // a duplicate and an invalid document cost nothing
        assertThat(batchOf(doc("a", "u", null), doc("b", "u", null)).statusCode()).isEqualTo(200);
        assertThat(emu.creditBalance()).isEqualTo(6.0);
        assertThat(M.readTree(batchOf(doc("a", "u", null)).body()).get("failed").asInt()).isEqualTo(1);
        assertThat(emu.creditBalance()).isEqualTo(6.0);
        // three more would need 6: covered; four would need 8: refused whole, nothing stored
        HttpResponse<String> refused = batchOf(doc("c", "u", null), doc("d", "u", null), doc("e", "u", null), doc("f", "u", null));
        assertThat(refused.statusCode()).isEqualTo(402);
        JsonNode detail = M.readTree(refused.body()).get("detail");
        assertThat(detail.get("error").asText()).isEqualTo("insufficient_credits");
        assertThat(detail.get("reason").asText()).isEqualTo("overages_disabled");
        assertThat(detail.get("balance_credits").asDouble()).isEqualTo(6.0);
        assertThat(detail.get("minimum_required_credits").asDouble()).isEqualTo(8.0);
        assertThat(emu.documents()).hasSize(2);
        emu.setCreditBalance(100);
        assertThat(batchOf(doc("c", "u", null)).statusCode()).isEqualTo(200);
        assertThat(emu.creditsSpent()).isEqualTo(6.0);
        assertThat(M.readTree(post("/_emulator/credits", "{\"balance\": 5}", key).body()).get("balance_credits").asDouble()).isEqualTo(5.0);
    }

    @Test
    void withOveragesTheBalanceGoesNegativeAndWithoutCreditsTheCallsAreUnknown() throws Exception {
        start(EmulatorSettings.builder().rateLimitPerMinute(0).credits(new EmulatorSettings.Credits(1, 1, true)));
        assertThat(batchOf(doc("a", "u", null), doc("b", "u", null), doc("c", "u", null)).statusCode()).isEqualTo(200);
        assertThat(emu.creditBalance()).isEqualTo(-2.0);
        emu.close();
        start(EmulatorSettings.builder().rateLimitPerMinute(0));
        assertThat(get("/v1/credits/balance", EmulatorSettings.DEFAULT_API_KEY).statusCode()).isEqualTo(404);
        assertThat(emu.creditBalance()).isNaN();
    }

    @Test
    void b2cRefusesACustomerIdAndB2bAUserAloneAndWhoamiSaysWhichAsSynapDoes() throws Exception {
        start(EmulatorSettings.builder().rateLimitPerMinute(0).onlyApiKey(EmulatorSettings.DEFAULT_API_KEY,
                new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef", EmulatorSettings.Isolation.B2C)));
        assertThat(M.readTree(get("/api/v1/auth/whoami", EmulatorSettings.DEFAULT_API_KEY).body()).get("user_context_isolation").asText())
                .isEqualTo("equals_customer");
        JsonNode r = M.readTree(batchOf(doc("a", "u", "c"), doc("b", "u", null)).body());
        assertThat(r.get("results").get(0).get("error_message").asText()).contains("customer_id is not accepted");
        assertThat(r.get("results").get(1).get("status").asText()).isEqualTo("queued");
        emu.close();
        start(EmulatorSettings.builder().rateLimitPerMinute(0).onlyApiKey(EmulatorSettings.DEFAULT_API_KEY,
                new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef", EmulatorSettings.Isolation.B2B)));
        assertThat(M.readTree(get("/api/v1/auth/whoami", EmulatorSettings.DEFAULT_API_KEY).body()).get("user_context_isolation").asText())
                .isEqualTo("strict");
        emu.close();
        start(EmulatorSettings.builder().rateLimitPerMinute(0));
        assertThat(M.readTree(get("/api/v1/auth/whoami", EmulatorSettings.DEFAULT_API_KEY).body()).has("user_context_isolation"))
                .as("an Instance that does not report its mode (an older Synap)").isFalse();
    }

    @Test
    void theFlagsSetTheWalletAndTheMode() {
        EmulatorSettings s = EmulatorFlags.parse(new String[] {"--credits", "1000", "--credit-cost", "0.5", "--overages", "off", "--isolation", "b2c"});
        assertThat(s.credits()).isEqualTo(new EmulatorSettings.Credits(1000, 0.5, false));
        assertThat(s.instances().get(EmulatorSettings.DEFAULT_API_KEY).isolation()).isEqualTo(EmulatorSettings.Isolation.B2C);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmulatorFlags.parse(new String[] {"--overages", "maybe"}))
                .hasMessageContaining("--overages: must be on or off");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmulatorFlags.parse(new String[] {"--isolation", "b2x"}))
                .hasMessageContaining("--isolation: must be b2c, b2b or unreported");
    }

}
