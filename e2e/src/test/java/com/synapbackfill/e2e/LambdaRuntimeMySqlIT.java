package com.synapbackfill.e2e;

import static com.synapbackfill.e2e.RuntimeFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.embedded.EmbeddedMariaDb;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.model.RunStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A MySQL-family source through both shaded jars on the real Lambda Java runtime: the planner plans a MariaDB
 * table ({@code jdbc:mysql:}, MySQL Connector/J, as an Aurora MySQL stack would) and the worker reads it from
 * real SQS batches. Fails when a driver (or its {@code java.sql.Driver} service entry) is missing from a jar.
 */
class LambdaRuntimeMySqlIT {
    static final int ROWS = 2_000;
    static final String RUN = "mysql-runtime";
    static SyntheticHistory.Loaded loaded;
    static RuntimeFixture rt;
    static EmbeddedMariaDb maria;

    @BeforeAll
    static void setUp() {
        maria = RealParts.mariaDb();
        loaded = SyntheticHistory.load(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD, "rt_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(4).withTimestampWithZone(false));
        rt = RuntimeFixture.start("runtime-mysql", emulator -> {
            Map<String, String> env = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, maria.mysqlJdbcUrl(),
                    EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD, "rt_turns");
            env.put("SHARD_TARGET_ROWS", "400");
            env.put("RATE_LIMIT_PER_MINUTE", "60000");
            env.put("LEASE_SECONDS", "10");
            env.put("WORKER_RESERVE_MS", "1500"); // the 30 s test function: the default reserve (45 s) would not fit
            return env;
        });
    }

    @AfterAll
    static void tearDown() {
        if (rt != null) rt.close();
    }

    @Test
    void aMariaDbTableIsPlannedAndWorkedToCompletionOnTheRealRuntime() throws Exception {
        JsonNode start = ok(rt.planner, "{\"action\":\"start\",\"runId\":\"" + RUN + "\",\"source\":{\"table\":\"app.rt_turns\","
                + "\"timestampZone\":\"UTC\"}}");
        assertThat(start.get("status").asText()).as(start.toString()).isEqualTo("RUNNING");
        assertThat(start.get("shards").asInt()).isGreaterThanOrEqualTo(4);
        rt.work(RUN, Duration.ofMinutes(2));
        var run = rt.run(RUN);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.counters().rowsRead()).isEqualTo(ROWS);
        assertThat(run.counters().failed()).isEqualTo(loaded.badRows());
        List<StoredDocument> docs = rt.documents(RUN);
        assertThat(docs).hasSize(loaded.validRows());
        assertThat(docs.stream().map(d -> d.metadata().get("source_row_id").asText()).collect(Collectors.toSet())).hasSize(loaded.validRows());
    }

    /**
     * The message shape from a start event, on MariaDB, through both jars: JSON text (MariaDB's JSON is LONGTEXT, read
     * with a pointer), the user on a joined table, a role column, system messages skipped.
     */
    @Test
    void aMessageTableWithJsonAndAJoinIsPairedIntoTurnsOnTheRealRuntime() throws Exception {
        String runId = "mysql-messages";
        int conversations = 240;
        java.util.Map<String, String> expected = new java.util.HashMap<>(); // first message id -> text
        long messages = 0;
        try (var c = java.sql.DriverManager.getConnection(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD);
             var st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS rt_messages");
            st.execute("DROP TABLE IF EXISTS rt_conversations");
            st.execute("CREATE TABLE rt_conversations (id INT PRIMARY KEY, owner VARCHAR(64) NOT NULL)");
            st.execute("CREATE TABLE rt_messages (id CHAR(36) PRIMARY KEY, conversation_id INT NOT NULL, role VARCHAR(16) NOT NULL, "
                    + "content JSON, seq INT NOT NULL, created_at DATETIME(3) NOT NULL, KEY by_conversation (conversation_id, seq)) CHARACTER SET utf8mb4");
            try (var conv = c.prepareStatement("INSERT INTO rt_conversations VALUES (?, ?)");
                 var msg = c.prepareStatement("INSERT INTO rt_messages VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int k = 0; k < conversations; k++) {
                    conv.setInt(1, k);
                    conv.setString(2, "owner-" + k);
                    conv.addBatch();
                    String[][] script = k % 4 == 0
                            ? new String[][] {{"system", "be nice"}, {"user", "q1 " + k}, {"assistant", "a1 " + k}, {"user", "q2 " + k}, {"user", "more " + k}, {"assistant", "a2 ✓"}}
                            : new String[][] {{"user", "hi " + k}, {"assistant", "hello 😀 " + k}};
                    String first = null;
                    StringBuilder text = null;
                    String side = null;
                    for (int i = 0; i < script.length; i++) {
                        String id = java.util.UUID.nameUUIDFromBytes((k + "/" + i).getBytes()).toString();
                        msg.setString(1, id);
                        msg.setInt(2, k);
                        msg.setString(3, script[i][0]);
                        msg.setString(4, "{\"text\": " + com.synapbackfill.json.Json.write(script[i][1]) + ", \"v\": 1}");
                        msg.setInt(5, 100 - i * 7 + i * 14); // increasing, not the id order
                        msg.setString(6, "2025-05-0" + (1 + k % 9) + " 10:00:0" + i + ".000");
                        msg.addBatch();
                        messages++;
                        String role = script[i][0];
                        if (role.equals("system")) continue;
                        if (role.equals("user") && "assistant".equals(side)) {
                            expected.put(first, text.toString());
                            first = null;
                        }
                        if (first == null) {
                            first = id;
                            text = new StringBuilder("User: " + script[i][1]);
                        } else if (role.equals("user")) {
                            text.append("\n").append(script[i][1]);
                        } else {
                            text.append("user".equals(side) ? "\nAssistant: " : "\n").append(script[i][1]);
                        }
                        side = role;
                    }
                    expected.put(first, text.toString());
                }
                conv.executeBatch();
                msg.executeBatch();
            }
        }
        String source = "{\"table\":\"rt_messages\",\"messages\":{\"columns\":{\"text\":\"content#/text\",\"userId\":\"rt_conversations.owner\","
                + "\"order\":\"seq\"},\"joins\":[\"rt_conversations.id=conversation_id\"]}}";
        JsonNode start = ok(rt.planner, "{\"action\":\"start\",\"runId\":\"" + runId + "\",\"source\":" + source
                + ",\"shardTargetRows\":150}");
        assertThat(start.get("status").asText()).as(start.toString()).isEqualTo("RUNNING");
        rt.work(runId, Duration.ofMinutes(2));
        var run = rt.run(runId);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.counters().messages()).isEqualTo(messages);
        assertThat(run.counters().skipped()).as("the system messages").isEqualTo(conversations / 4);
        List<StoredDocument> docs = rt.documents(runId);
        assertThat(docs).hasSize(expected.size());
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (StoredDocument d : docs) {
            String text = expected.get(d.metadata().get("source_row_id").asText());
            assertThat(text).as("a turn starting at " + d.metadata().get("source_row_id")).isNotNull();
            assertThat(d.sha256()).as(text).isEqualTo(java.util.HexFormat.of().formatHex(sha.digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            assertThat(d.userId()).startsWith("owner-");
        }
    }
}
