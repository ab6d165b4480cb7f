package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Rows that used to stall a shard for ever with nothing said: 10 MB texts read 500 to a page by a worker with a small
 * heap, a text Synap fails on every time (the emulator's poison), a lone UTF-16 surrogate inside JSON. Each now ends
 * as a failure with its reason, the run completes, and every other row arrives exactly once.
 */
class PoisonRowsIT {
    static final String POISON = "<<synap-cannot-take-this>>";

    @Test
    void poisonRowsBecomeFailuresWithReasonsAndTheRestArrivesOnce() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        int rows = 2_000;
        Set<Long> huge = Set.of(100L, 101L, 102L, 700L, 1_500L);
        long poisoned = 1_234;
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS poison_turns");
            st.execute("CREATE TABLE poison_turns (id bigint PRIMARY KEY, user_id text, conversation_id text, message_index int, "
                    + "user_text text, assistant_text text, created_at timestamptz)");
            st.execute("INSERT INTO poison_turns SELECT g, 'u' || (g % 7), 'c-' || (g / 10), g % 10, 'question ' || g, 'answer ' || g, "
                    + "timestamptz '2025-01-01 00:00:00Z' + g * interval '1 minute' FROM generate_series(1, " + rows + ") g");
            // 10 MB each (stored compressed): never to be transferred, let alone sent
            st.execute("UPDATE poison_turns SET assistant_text = repeat('x', 10 * 1024 * 1024) WHERE id IN ("
                    + huge.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")");
            st.execute("UPDATE poison_turns SET user_text = 'this one " + POISON + "' WHERE id = " + poisoned);
            st.execute("DROP TABLE IF EXISTS poison_messages");
            st.execute("CREATE TABLE poison_messages (id bigint PRIMARY KEY, conversation_id text, user_id text, message json, created_at timestamptz)");
            // json keeps the escape as written; read, it is a lone surrogate
            st.execute("INSERT INTO poison_messages VALUES (1, 'm1', 'u', '{\"role\":\"user\",\"content\":\"fine\"}', '2025-01-01Z'), "
                    + "(2, 'm1', 'u', '{\"role\":\"assistant\",\"content\":\"ok\"}', '2025-01-01 00:00:01Z'), "
                    + "(3, 'm2', 'u', '{\"role\":\"user\",\"content\":\"broken \\ud800 here\"}', '2025-01-01 00:00:02Z'), "
                    + "(4, 'm2', 'u', '{\"role\":\"assistant\",\"content\":\"answer\"}', '2025-01-01 00:00:03Z')");
        }
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).poison(POISON).build())) {
            // a small heap: a page of 10 MB rows would not fit it
            Map<String, String> env = Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password(),
                    "JAVA_TOOL_OPTIONS", "-Xmx200m");
            Path state = Files.createTempDirectory("poison");
            CliIT.Result r = CliIT.run(env, "run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "poison_turns",
                    "--column", "customerId=", "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--shard-rows", "1000",
                    "--run-id", "poison", "--state-dir", state.toString());
            assertThat(r.exit()).as(r.output()).isZero();
            JsonNode report = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/poison/report.json")));
            assertThat(report.get("invariant").get("holds").asBoolean()).isTrue();
            List<JsonNode> failures = Files.readAllLines(state.resolve("reports/runs/poison/failures.jsonl")).stream().map(l -> {
                try {
                    return Json.MAPPER.readTree(l);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            Map<String, String> byRow = failures.stream().collect(Collectors.toMap(f -> f.get("sourceId").asText(), f -> f.get("errorClass").asText()));
            assertThat(byRow).hasSize(huge.size() + 1);
            for (long h : huge) assertThat(byRow.get(Long.toString(h))).isEqualTo("bad_row:document_too_large");
            assertThat(byRow.get(Long.toString(poisoned))).isEqualTo("server_error_on_document");
            assertThat(failures).allSatisfy(f -> assertThat(f.get("message").asText()).isNotBlank());
            List<StoredDocument> docs = List.copyOf(emulator.documents());
            assertThat(docs).hasSize(rows - huge.size() - 1);
            assertThat(docs.stream().map(StoredDocument::documentId).distinct().count()).isEqualTo(docs.size());

            // a lone surrogate inside JSON: a bad row with its reason, its conversation's other turn and the rest arrive
            emulator.clearDocuments();
            Path state2 = Files.createTempDirectory("poison-surrogate");
            CliIT.Result m = CliIT.run(env, "run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "poison_messages",
                    "--shape", "messages", "--column", "role=message#/role", "--column", "text=message#/content", "--column", "customerId=",
                    "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--run-id", "surrogate", "--state-dir", state2.toString());
            assertThat(m.exit()).as(m.output()).isZero();
            String surrogateFailures = Files.readString(state2.resolve("reports/runs/surrogate/failures.jsonl"));
            assertThat(surrogateFailures.lines()).hasSize(1).allSatisfy(l -> assertThat(l).contains("bad_row:unpaired_surrogate"));
            assertThat(emulator.documents()).hasSize(1);
        }
    }
}
