package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Synap that lies: it refuses 5 of 250 rows (10, 60, 110, 160, 210) and bends its answers one way per run — results in
 * another order, refusals worded like duplicates, a queued result under a foreign id, results left short, an HTML page with
 * a 200, a Retry-After of a billion seconds (the call-bound lies on every second call; the calls between answer honestly).
 * Every run ends COMPLETED with exactly the refused rows failed and every other row stored once: nothing counted stored
 * that Synap did not store, nothing re-sent for ever.
 */
class LyingSynapIT {
    static final String REFUSE = "<<refuse-me>>";
    static final Set<Long> REFUSED = Set.of(10L, 60L, 110L, 160L, 210L);
    static final int ROWS = 250;
    static RealParts.Postgres pg;

    @BeforeAll
    static void table() throws Exception {
        pg = RealParts.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS lying_turns");
            st.execute("CREATE TABLE lying_turns (id bigint PRIMARY KEY, user_id text, conversation_id text, message_index int, "
                    + "user_text text, assistant_text text, created_at timestamptz)");
            st.execute("INSERT INTO lying_turns SELECT g, 'u' || (g % 7), 'c-' || (g / 10), g % 10, 'question ' || g, 'answer ' || g, "
                    + "timestamptz '2025-01-01 00:00:00Z' + g * interval '1 minute' FROM generate_series(1, " + ROWS + ") g");
            st.execute("UPDATE lying_turns SET user_text = user_text || ' " + REFUSE + "' WHERE id IN ("
                    + REFUSED.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")");
        }
    }

    @ParameterizedTest
    @EnumSource(EmulatorSettings.Lie.class)
    void exactlyTheRefusedRowsFailAndEveryAcceptedRowIsStored(EmulatorSettings.Lie lie) throws Exception {
        EmulatorSettings settings = EmulatorSettings.builder().rateLimitPerMinute(0)
                .lies(new EmulatorSettings.Lies(REFUSE, Set.of(lie), 2)).build();
        try (SynapEmulator emulator = SynapEmulator.start(settings)) {
            Map<String, String> env = new HashMap<>(Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password()));
            // a Retry-After past the retry budget is waited for the budget alone: 2 s here, not an hour
            env.put("SYNAP_MAX_RETRY_SECONDS", "2");
            env.put("LOG_LEVEL", "WARN");
            String runId = "lie-" + lie.flag();
            Path state = Files.createTempDirectory("lying");
            CliIT.Result r = CliIT.run(env, "run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "lying_turns",
                    "--column", "customerId=", "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--shard-rows", "1000",
                    "--batch-size", "100", "--run-id", runId, "--state-dir", state.toString());
            assertThat(r.exit()).as(r.output()).isZero();
            List<JsonNode> failures = Files.readAllLines(state.resolve("reports/runs/" + runId + "/failures.jsonl")).stream().map(l -> {
                try {
                    return Json.MAPPER.readTree(l);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            assertThat(failures).as(r.output()).extracting(f -> f.get("sourceId").asLong()).containsExactlyInAnyOrderElementsOf(REFUSED);
            assertThat(failures).allSatisfy(f -> {
                assertThat(f.get("errorClass").asText()).isEqualTo("item_failed");
                assertThat(f.get("message").asText()).startsWith("rejected: ");
            });
            List<String> stored = LongStream.rangeClosed(1, ROWS).filter(id -> !REFUSED.contains(id)).mapToObj(Long::toString).toList();
            Arrivals.exactlyOnce(emulator.documents(), stored);
            JsonNode counts = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/" + runId + "/report.json"))).get("counts");
            assertThat(counts.get("accepted").asLong() + counts.get("alreadyPresent").asLong()).as(counts.toString()).isEqualTo(ROWS - REFUSED.size());
            assertThat(counts.get("failed").asLong()).isEqualTo(REFUSED.size());
            if (lie == EmulatorSettings.Lie.HUGE_RETRY_AFTER)
                assertThat(r.output()).contains("Synap asked to wait 1,000,000,000 s; waiting 2 s");
        }
    }
}
