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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The apps' own presets (#35) against a database laid out as each app lays it out (tables in {@code public}, under the
 * app's names, from the schema file the preset cites), with rows written as the app writes them, awkward ones included
 * (regenerations, edits, errors, tool calls, shared copies, epoch and text times, NULL keys, non-ASCII text), backfilled
 * with the preset and the JDBC URL alone as a login that may only SELECT: every expected turn once, byte-exact, at its
 * original time; one Synap conversation per source conversation; the rows left out counted.
 */
class AppPresetsIT {
    static final String READER = "app_reader";
    static final String READER_PASSWORD = "app-Reader-5";
    static final String HARD = "Grüße 😀 家族 — «ok»";
    static RealParts.Postgres pg;

    record Expected(String text, Instant at, String user) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        pg = RealParts.postgres();
        sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + READER + "') THEN CREATE ROLE " + READER
                + " LOGIN PASSWORD '" + READER_PASSWORD + "'; END IF; END $$");
    }

    static void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        }
    }

    static void insert(String sql, List<Object[]> rows) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) ps.setObject(i + 1, row[i]);
                ps.executeUpdate();
            }
        }
    }

    static String turn(String user, String assistant) {
        return user == null ? "Assistant: " + assistant : assistant == null ? "User: " + user : "User: " + user + "\nAssistant: " + assistant;
    }

    static CliIT.Result run(String preset, Path state, SynapEmulator emulator, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--preset", preset, "--jdbc-url", ChatLogFixture.readerJdbcUrl(pg), "--db-user", READER,
                "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--run-id", "app-" + preset, "--state-dir", state.toString()));
        args.addAll(List.of(extra));
        return CliIT.run(Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", READER_PASSWORD), args.toArray(String[]::new));
    }

    /** {@code estimate} with the preset and {@code extra}, as the reader login: its output (exit 0). */
    static String estimate(String preset, String... extra) throws Exception {
        List<String> est = new ArrayList<>(List.of("estimate", "--preset", preset, "--jdbc-url", ChatLogFixture.readerJdbcUrl(pg), "--db-user", READER));
        est.addAll(List.of(extra));
        CliIT.Result estimated = CliIT.run(Map.of("SOURCE_DB_PASSWORD", READER_PASSWORD), est.toArray(String[]::new));
        assertThat(estimated.exit()).as(preset + " estimate: " + estimated.output()).isZero();
        return estimated.output();
    }

    /** The preset alone: exactly {@code expected} (by the turn's source row id), once, byte-exact, at its time; the report's counts. */
    static JsonNode backfill(String preset, Map<String, Expected> expected, int conversations, String... extra) throws Exception {
        Path state = Files.createTempDirectory("app-" + preset);
        // estimate first, with the same preset and nothing else
        List<String> est = new ArrayList<>(List.of("estimate", "--preset", preset, "--jdbc-url", ChatLogFixture.readerJdbcUrl(pg), "--db-user", READER));
        est.addAll(List.of(extra));
        CliIT.Result estimated = CliIT.run(Map.of("SOURCE_DB_PASSWORD", READER_PASSWORD), est.toArray(String[]::new));
        assertThat(estimated.exit()).as(preset + " estimate: " + estimated.output()).isZero();
        assertThat(estimated.output()).as(preset).contains("valid ");
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            CliIT.Result r = run(preset, state, emulator, extra);
            assertThat(r.exit()).as(r.output()).isZero();
            List<StoredDocument> docs = List.copyOf(emulator.documents());
            Map<String, StoredDocument> bySource = Arrivals.exactlyOnce(docs, expected.keySet());
            for (var e : expected.entrySet()) {
                StoredDocument d = bySource.get(e.getKey());
                assertThat(d.sha256()).as(preset + " text of " + e.getKey() + ": " + e.getValue().text())
                        .isEqualTo(Arrivals.sha256(e.getValue().text()));
                assertThat(Instant.parse(d.createdAt())).as(preset + " time of " + e.getKey()).isEqualTo(e.getValue().at());
                assertThat(d.userId()).as(preset + " user of " + e.getKey()).isEqualTo(e.getValue().user());
            }
            assertThat(docs.stream().map(d -> d.metadata().get("conversation_id").asText()).distinct().count()).as(preset + " conversations")
                    .isEqualTo(conversations);
            JsonNode report = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/app-" + preset + "/report.json")));
            assertThat(report.get("invariant").get("holds").asBoolean()).isTrue();
            return report.get("counts");
        }
    }

    static Map<String, Object> msg(String id, String parent, String role, String content, Long ts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("parentId", parent);
        m.put("childrenIds", List.of());
        m.put("role", role);
        m.put("content", content);
        if (ts != null) m.put("timestamp", ts);
        return m;
    }

    static String owuiChat(String currentId, List<Map<String, Object>> messages) {
        Map<String, Object> history = new LinkedHashMap<>();
        Map<String, Object> byId = new LinkedHashMap<>();
        for (Map<String, Object> m : messages) byId.put((String) m.get("id"), m);
        history.put("messages", byId);
        history.put("currentId", currentId);
        return Json.write(Map.of("title", "t", "models", List.of("llama3"), "history", history, "messages", List.of()));
    }

    /**
     * Open WebUI as its newest release (0.12.4) lays it out: the chat JSON, and the chat_message table (0.8.0 on) holding a copy
     * of each message. In 0.8.x/0.9.x a whole-chat save wrote the JSON alone, so the table can lack messages or hold stale ones;
     * the JSON is the conversation in every version. Each turn arrives once, as the JSON says, whatever the table holds.
     */
    @Test
    void openWebUi() throws Exception {
        sql("DROP VIEW IF EXISTS chat_visible", "DROP TABLE IF EXISTS chat_message CASCADE", "DROP TABLE IF EXISTS chat CASCADE",
                // models/chats.py (class Chat) at 0.12.4, as SQLAlchemy creates it on PostgreSQL
                "CREATE TABLE chat (id VARCHAR PRIMARY KEY, user_id VARCHAR, title TEXT, chat JSON, created_at BIGINT, updated_at BIGINT, "
                        + "share_id TEXT UNIQUE, archived BOOLEAN DEFAULT FALSE, pinned BOOLEAN DEFAULT FALSE, meta JSON DEFAULT '{}', "
                        + "variables JSON, folder_id TEXT, tasks JSON, summary TEXT, current_message_id TEXT, last_read_at BIGINT, timer_at BIGINT)",
                // models/chat_messages.py (class ChatMessage), migration 8452d01d26d7 and the columns added since
                "CREATE TABLE chat_message (id TEXT PRIMARY KEY, chat_id TEXT NOT NULL REFERENCES chat(id) ON DELETE CASCADE, user_id TEXT, "
                        + "role TEXT NOT NULL, parent_id TEXT, content JSON, output JSON, model_id TEXT, files JSON, sources JSON, embeds JSON, "
                        + "meta JSON, done BOOLEAN DEFAULT TRUE, status_history JSON, error JSON, usage JSON, context_summary TEXT, "
                        + "created_at BIGINT, updated_at BIGINT)",
                "CREATE INDEX chat_message_chat_parent_idx ON chat_message (chat_id, parent_id)",
                "GRANT SELECT ON chat, chat_message TO " + READER);
        long t0 = 1_740_823_200L;
        String reasoning = "<details type=\"reasoning\" done=\"true\" duration=\"2\">\n<summary>Thought for 2 seconds</summary>\n> weighing it\n</details>\n";
        // chat A: an edit (m1 → m1b) and a regeneration (m2b → m2c); the user last saw m4, after m2c. Its table rows are complete.
        List<Map<String, Object>> aMessages = List.of(msg("m1", null, "user", "Hi " + HARD, t0), msg("m2", "m1", "assistant", "Hello", t0 + 5),
                msg("m1b", null, "user", "Hi, edited " + HARD, t0 + 60), msg("m2b", "m1b", "assistant", "first try", t0 + 65),
                msg("m2c", "m1b", "assistant", reasoning + "the answer the user kept", t0 + 70),
                msg("m3", "m2c", "user", "and a follow-up", t0 + 120), msg("m4", "m3", "assistant", "follow-up answer", t0 + 125));
        String a = owuiChat("m4", aMessages);
        // chat B (archived): one message without a timestamp is dated by the chat's created_at. Its table is stale and partial, as
        // a 0.8/0.9 whole-chat save leaves it: b1 holds the text before an edit, b2 and b3 never reached it
        String b = owuiChat("b3", List.of(msg("b1", null, "user", "no timestamp here", null), msg("b2", "b1", "assistant", "still an answer", t0 + 301),
                msg("b3", "b2", "user", "a question only the JSON has", t0 + 330)));
        // chat C: no table rows at all (written before 0.8, or by a whole-chat save)
        String c = owuiChat("c2", List.of(msg("c1", null, "user", "only in the JSON", t0 + 500), msg("c2", "c1", "assistant", "answer in the JSON", t0 + 505)));
        // an internal chat the app made for itself (meta.internal, 0.12.4: the note assistant)
        String n = owuiChat("n2", List.of(msg("n1", null, "user", "summarize my note", t0 + 600), msg("n2", "n1", "assistant", "a summary", t0 + 601)));
        // a shared copy: a row of its own under "shared-<chat id>" (before 0.9): left out
        insert("INSERT INTO chat (id, user_id, title, chat, created_at, updated_at, share_id, archived, meta, current_message_id) "
                        + "VALUES (?, ?, 't', ?::json, ?, ?, ?, ?, ?::json, ?)",
                List.of(new Object[] {"chat-a", "user-1", a, t0, t0 + 200, null, false, "{}", "m4"},
                        new Object[] {"chat-b", "user-2", b, t0 + 300, t0 + 400, null, true, "{\"tags\": []}", "b3"},
                        new Object[] {"chat-c", "user-2", c, t0 + 500, t0 + 505, null, false, null, null},
                        new Object[] {"chat-n", "user-1", n, t0 + 600, t0 + 601, null, false, "{\"internal\": true, \"type\": \"note\", \"note_id\": \"x\"}", "n2"},
                        new Object[] {"share-9", "shared-chat-a", a, t0, t0, "share-9", false, "{}", "m4"}));
        List<Object[]> rows = new ArrayList<>();
        for (Map<String, Object> m : aMessages)
            rows.add(new Object[] {"chat-a-" + m.get("id"), "chat-a", "user-1", m.get("role"), m.get("parentId"), Json.write(m.get("content")), m.get("timestamp")});
        rows.add(new Object[] {"chat-b-b1", "chat-b", "user-2", "user", null, Json.write("the text before an edit"), t0 + 300});
        insert("INSERT INTO chat_message (id, chat_id, user_id, role, parent_id, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?::json, ?, ?)",
                rows.stream().map(r -> new Object[] {r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[6]}).toList());
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("chat-a/m1b", new Expected(turn("Hi, edited " + HARD, "the answer the user kept"), Instant.ofEpochSecond(t0 + 60), "user-1"));
        expected.put("chat-a/m3", new Expected(turn("and a follow-up", "follow-up answer"), Instant.ofEpochSecond(t0 + 120), "user-1"));
        expected.put("chat-b/b1", new Expected(turn("no timestamp here", "still an answer"), Instant.ofEpochSecond(t0 + 300), "user-2"));
        expected.put("chat-b/b3", new Expected(turn("a question only the JSON has", null), Instant.ofEpochSecond(t0 + 330), "user-2"));
        expected.put("chat-c/c1", new Expected(turn("only in the JSON", "answer in the JSON"), Instant.ofEpochSecond(t0 + 500), "user-2"));
        Map<String, Expected> withInternal = new LinkedHashMap<>(expected);
        // known: the preset cannot leave internal chats out (the flag is inside meta's JSON; a filter names columns only)
        withInternal.put("chat-n/n1", new Expected(turn("summarize my note", "a summary"), Instant.ofEpochSecond(t0 + 600), "user-1"));
        JsonNode counts = backfill("open-webui", withInternal, 4);
        // m1, m2, m2b superseded; the shared copy's row left out by the filter
        assertThat(counts.get("skipped").asLong()).isEqualTo(3 + 1);
        // the way around docs/sources.md gives: the preset over a query that leaves meta.internal out
        String withoutInternal = "SELECT * FROM chat WHERE coalesce(meta->>'internal', '') <> 'true'";
        JsonNode without = backfill("open-webui", expected, 3, "--query", withoutInternal);
        assertThat(without.get("skipped").asLong()).isEqualTo(3 + 1);
        // estimate names the shape, counts conversations (a query has no statistics: it counted them) and says "1 shard"
        assertThat(estimate("open-webui", "--query", withoutInternal)).contains("Table query (conversations shape): ~4 conversations (counted)")
                .contains("sampled 4 conversations, ").containsPattern("on 1 shard\\b").doesNotContain("message shape");
        assertThat(estimate("open-webui")).contains("Table chat (conversations shape): ~").contains("(statistics)").doesNotContain("message shape");
        // a view has no statistics either: planning counted its rows, and estimate says so
        sql("DROP VIEW IF EXISTS chat_visible", "CREATE VIEW chat_visible AS SELECT * FROM chat", "GRANT SELECT ON chat_visible TO " + READER);
        assertThat(estimate("open-webui", "--table", "chat_visible")).contains("Table chat_visible (conversations shape): ~5 conversations (counted)");
    }

    @Test
    void lobeChat() throws Exception {
        sql("DROP TABLE IF EXISTS messages CASCADE",
                "CREATE TABLE messages (id TEXT PRIMARY KEY, role TEXT NOT NULL, content TEXT, reasoning JSONB, search JSONB, metadata JSONB, "
                        + "model TEXT, provider TEXT, favorite BOOLEAN DEFAULT FALSE, error JSONB, tools JSONB, trace_id TEXT, observation_id TEXT, "
                        + "client_id TEXT, user_id TEXT NOT NULL, session_id TEXT, topic_id TEXT, thread_id TEXT, "
                        + "parent_id TEXT REFERENCES messages(id) ON DELETE SET NULL, quota_id TEXT, agent_id TEXT, "
                        + "accessed_at TIMESTAMPTZ NOT NULL DEFAULT now(), created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                        + "updated_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                "GRANT SELECT ON messages TO " + READER);
        Instant t0 = Instant.parse("2025-05-01T08:00:00Z");
        List<Object[]> rows = new ArrayList<>();
        // [id, role, content, error, session, topic, thread, parent, minute]
        Object[][] m = {
                {"msg_1", "user", "topic question " + HARD, null, "ssn_a", "tpc_1", null, null, 0},
                {"msg_2", "assistant", "first answer", null, "ssn_a", "tpc_1", null, "msg_1", 1},
                {"msg_3", "assistant", "regenerated answer", null, "ssn_a", "tpc_1", null, "msg_1", 2},
                {"msg_4", "tool", "{\"result\":1}", null, "ssn_a", "tpc_1", null, "msg_3", 3},
                {"msg_5", "user", "default topic question", null, "ssn_a", null, null, null, 4},
                {"msg_6", "assistant", "", "{\"type\":\"ProviderBizError\"}", "ssn_a", null, null, "msg_5", 5},
                {"msg_7", "user", "inbox question", null, null, null, null, null, 6},
                {"msg_8", "assistant", "inbox answer", null, null, null, null, "msg_7", 7},
                {"msg_9", "user", "thread question", null, "ssn_a", "tpc_1", "thd_1", "msg_3", 8},
                {"msg_10", "assistant", "thread answer", null, "ssn_a", "tpc_1", "thd_1", "msg_9", 9},
        };
        for (Object[] x : m)
            rows.add(new Object[] {x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], Timestamp.from(t0.plusSeconds(60L * (Integer) x[8]))});
        insert("INSERT INTO messages (id, role, content, error, user_id, session_id, topic_id, thread_id, parent_id, created_at) "
                + "VALUES (?, ?, ?, ?::jsonb, 'user_1', ?, ?, ?, ?, ?)", rows.stream()
                .map(r -> new Object[] {r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]}).toList());
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("msg_1", new Expected(turn("topic question " + HARD, "regenerated answer"), t0, "user_1"));
        expected.put("msg_5", new Expected(turn("default topic question", null), t0.plusSeconds(240), "user_1"));
        expected.put("msg_7", new Expected(turn("inbox question", "inbox answer"), t0.plusSeconds(360), "user_1"));
        expected.put("msg_9", new Expected(turn("thread question", "thread answer"), t0.plusSeconds(480), "user_1"));
        JsonNode counts = backfill("lobechat", expected, 4);
        // superseded msg_2, tool msg_4, the failed answer msg_6
        assertThat(counts.get("skipped").asLong()).isEqualTo(3);
    }

    @Test
    void flowise() throws Exception {
        sql("DROP TABLE IF EXISTS chat_message CASCADE",
                "CREATE TABLE chat_message (id uuid NOT NULL DEFAULT gen_random_uuid(), \"role\" varchar NOT NULL, chatflowid varchar NOT NULL, "
                        + "\"content\" text NOT NULL, \"sourceDocuments\" varchar NULL, \"createdDate\" timestamp NOT NULL DEFAULT now(), "
                        + "\"chatType\" VARCHAR NOT NULL DEFAULT 'INTERNAL', \"chatId\" VARCHAR NOT NULL, \"memoryType\" VARCHAR, \"sessionId\" VARCHAR, "
                        + "\"usedTools\" text, \"fileAnnotations\" text, \"agentReasoning\" text, \"fileUploads\" text, \"action\" text, "
                        + "\"artifacts\" text, \"followUpPrompts\" text, \"leadEmail\" text, \"executionId\" uuid, CONSTRAINT chat_message_pk PRIMARY KEY (id))",
                "GRANT SELECT ON chat_message TO " + READER);
        Instant t0 = Instant.parse("2025-06-01T10:00:00Z");
        String[][] m = { // id, role, content, chatType, chatId, sessionId, second
                {"00000000-0000-0000-0000-000000000001", "userMessage", "external question " + HARD, "EXTERNAL", "chat-1", "sess-9", "0"},
                {"00000000-0000-0000-0000-000000000002", "apiMessage", "external answer", "EXTERNAL", "chat-1", "sess-9", "1"},
                {"00000000-0000-0000-0000-000000000003", "userMessage", " ", "EXTERNAL", "chat-1", "sess-9", "2"},
                {"00000000-0000-0000-0000-000000000004", "apiMessage", "after the resume", "EXTERNAL", "chat-1", "sess-9", "3"},
                {"00000000-0000-0000-0000-000000000005", "userMessage", "no session", "EXTERNAL", "chat-2", null, "4"},
                {"00000000-0000-0000-0000-000000000006", "apiMessage", "answered", "EXTERNAL", "chat-2", null, "5"},
                {"00000000-0000-0000-0000-000000000007", "userMessage", "builder test", "INTERNAL", "chat-3", null, "6"},
                {"00000000-0000-0000-0000-000000000008", "apiMessage", "builder answer", "INTERNAL", "chat-3", null, "7"},
                // an evaluation run (flowise@3.0.1 on): synthetic questions from a dataset, not a user's history
                {"00000000-0000-0000-0000-000000000009", "userMessage", "dataset question 1", "EVALUATION", "eval-run-1", null, "8"},
                {"00000000-0000-0000-0000-00000000000a", "apiMessage", "evaluated answer 1", "EVALUATION", "eval-run-1", null, "9"},
                {"00000000-0000-0000-0000-00000000000b", "userMessage", "dataset question 2", "EVALUATION", "eval-run-2", "sess-9", "10"},
                {"00000000-0000-0000-0000-00000000000c", "apiMessage", "evaluated answer 2", "EVALUATION", "eval-run-2", "sess-9", "11"},
                // flows started by an MCP client, a schedule and a webhook (flowise@3.1.3 on)
                {"00000000-0000-0000-0000-00000000000d", "userMessage", "mcp tool call", "MCP", "chat-4", null, "12"},
                {"00000000-0000-0000-0000-00000000000e", "apiMessage", "mcp result", "MCP", "chat-4", null, "13"},
                {"00000000-0000-0000-0000-00000000000f", "userMessage", "nightly report", "SCHEDULED", "chat-5", null, "14"},
                {"00000000-0000-0000-0000-000000000010", "apiMessage", "report done", "SCHEDULED", "chat-5", null, "15"},
                {"00000000-0000-0000-0000-000000000011", "userMessage", "{\"event\":\"push\"}", "WEBHOOK", "chat-6", null, "16"},
                {"00000000-0000-0000-0000-000000000012", "apiMessage", "webhook handled", "WEBHOOK", "chat-6", null, "17"},
        };
        List<Object[]> rows = new ArrayList<>();
        for (String[] x : m)
            rows.add(new Object[] {java.util.UUID.fromString(x[0]), x[1], "flow-1", x[2], x[3], x[4], x[5],
                    java.time.LocalDateTime.ofInstant(t0.plusSeconds(Long.parseLong(x[6])), java.time.ZoneOffset.UTC)});
        insert("INSERT INTO chat_message (id, \"role\", chatflowid, \"content\", \"chatType\", \"chatId\", \"sessionId\", \"createdDate\") "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put(m[0][0], new Expected(turn("external question " + HARD, "external answer"), t0, "sess-9"));
        expected.put(m[3][0], new Expected(turn(null, "after the resume"), t0.plusSeconds(3), "sess-9"));
        expected.put(m[4][0], new Expected(turn("no session", "answered"), t0.plusSeconds(4), "chat-2"));
        JsonNode counts = backfill("flowise", expected, 2);
        // the resume marker (empty_text); the builder's two test messages, four of evaluation runs, two each of MCP, SCHEDULED and
        // WEBHOOK: every chatType but EXTERNAL is left out by the filter
        assertThat(counts.get("skipped").asLong()).isEqualTo(1 + 2 + 4 + 6);
        assertThat(counts.get("messages").asLong()).isEqualTo(m.length);
    }

    @Test
    void chainlit() throws Exception {
        sql("DROP TABLE IF EXISTS steps CASCADE", "DROP TABLE IF EXISTS threads CASCADE",
                "CREATE TABLE threads (\"id\" UUID PRIMARY KEY, \"createdAt\" TEXT, \"name\" TEXT, \"userId\" UUID, \"userIdentifier\" TEXT, "
                        + "\"tags\" TEXT[], \"metadata\" JSONB)",
                "CREATE TABLE steps (\"id\" UUID PRIMARY KEY, \"name\" TEXT NOT NULL, \"type\" TEXT NOT NULL, \"threadId\" UUID NOT NULL, "
                        + "\"parentId\" UUID, \"streaming\" BOOLEAN NOT NULL, \"waitForAnswer\" BOOLEAN, \"isError\" BOOLEAN, \"metadata\" JSONB, "
                        + "\"tags\" TEXT[], \"input\" TEXT, \"output\" TEXT, \"createdAt\" TEXT, \"command\" TEXT, \"start\" TEXT, \"end\" TEXT, "
                        + "\"generation\" JSONB, \"showInput\" TEXT, \"language\" TEXT, \"indent\" INT, \"defaultOpen\" BOOLEAN, "
                        + "FOREIGN KEY (\"threadId\") REFERENCES threads(\"id\") ON DELETE CASCADE)",
                "GRANT SELECT ON threads, steps TO " + READER);
        String th1 = "10000000-0000-0000-0000-000000000001";
        String th2 = "10000000-0000-0000-0000-000000000002";
        insert("INSERT INTO threads (\"id\", \"createdAt\", \"name\", \"userIdentifier\") VALUES (?::uuid, ?, 'n', ?)",
                List.of(new Object[] {th1, "2025-07-01T09:00:00.000000Z", "alice@example.com"}, new Object[] {th2, "2025-07-02T09:00:00+00:00", "bob"}));
        String[][] s = { // id, type, thread, output, createdAt, isError
                {"20000000-0000-0000-0000-000000000001", "user_message", th1, "Wie geht's? " + HARD, "2025-07-01T09:00:01.123456Z", "false"},
                {"20000000-0000-0000-0000-000000000002", "run", th1, "", "2025-07-01T09:00:01.200000Z", "false"},
                {"20000000-0000-0000-0000-000000000003", "tool", th1, "{\"x\":1}", "2025-07-01T09:00:01.300000Z", "false"},
                {"20000000-0000-0000-0000-000000000004", "assistant_message", th1, "Gut, danke", "2025-07-01T09:00:02.500000Z", "false"},
                {"20000000-0000-0000-0000-000000000005", "user_message", th2, "second thread", "2025-07-02T09:00:01+00:00", "false"},
                {"20000000-0000-0000-0000-000000000006", "assistant_message", th2, "Error: rate limited", "2025-07-02T09:00:02+00:00", "true"},
        };
        List<Object[]> rows = new ArrayList<>();
        for (String[] x : s) rows.add(new Object[] {x[0], x[1], x[1], x[2], x[3], x[4], Boolean.parseBoolean(x[5])});
        insert("INSERT INTO steps (\"id\", \"name\", \"type\", \"threadId\", \"streaming\", \"output\", \"createdAt\", \"isError\") "
                + "VALUES (?::uuid, ?, ?, ?::uuid, false, ?, ?, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put(s[0][0], new Expected(turn("Wie geht's? " + HARD, "Gut, danke"), Instant.parse("2025-07-01T09:00:01.123456Z"), "alice@example.com"));
        expected.put(s[4][0], new Expected(turn("second thread", null), Instant.parse("2025-07-02T09:00:01Z"), "bob"));
        JsonNode counts = backfill("chainlit", expected, 2);
        // the run and tool steps by their type, the error step by the filter
        assertThat(counts.get("skipped").asLong()).isEqualTo(3);
    }

    @Test
    void n8nNeedsAnInstantForAHistoryWithoutTimes() throws Exception {
        sql("DROP TABLE IF EXISTS n8n_chat_histories CASCADE",
                "CREATE TABLE n8n_chat_histories (id SERIAL PRIMARY KEY, session_id VARCHAR(255) NOT NULL, message JSONB NOT NULL)",
                "GRANT SELECT ON n8n_chat_histories TO " + READER);
        insert("INSERT INTO n8n_chat_histories (session_id, message) VALUES (?, ?::jsonb)", List.of(
                new Object[] {"s-1", "{\"type\":\"human\",\"content\":\"Hallo " + HARD + "\",\"additional_kwargs\":{},\"response_metadata\":{}}"},
                new Object[] {"s-1", "{\"type\":\"ai\",\"content\":\"Hi there\",\"tool_calls\":[],\"additional_kwargs\":{},\"response_metadata\":{}}"},
                new Object[] {"s-2", "{\"type\":\"human\",\"content\":\"second session\",\"additional_kwargs\":{},\"response_metadata\":{}}"},
                new Object[] {"s-2", "{\"type\":\"tool\",\"content\":\"42\",\"tool_call_id\":\"t1\"}"},
                new Object[] {"s-2", "{\"type\":\"ai\",\"content\":\"it is 42\",\"additional_kwargs\":{},\"response_metadata\":{}}"}));
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            CliIT.Result refused = run("n8n", Files.createTempDirectory("app-n8n-refused"), emulator);
            assertThat(refused.exit()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output()).contains("--undated-at");
            assertThat(emulator.stats().documentsReceived()).isZero();
        }
        Instant at = Instant.parse("2025-01-01T00:00:00Z");
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("1", new Expected(turn("Hallo " + HARD, "Hi there"), at, "s-1"));
        expected.put("3", new Expected(turn("second session", "it is 42"), at, "s-2"));
        JsonNode counts = backfill("n8n", expected, 2, "--undated-at", "2025-01-01T00:00:00Z");
        assertThat(counts.get("skipped").asLong()).isEqualTo(1); // the tool message
    }

    @Test
    void rasa() throws Exception {
        sql("DROP TABLE IF EXISTS events CASCADE",
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, "
                        + "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)",
                "CREATE INDEX ix_events_sender_id ON events (sender_id)",
                "GRANT SELECT ON events TO " + READER);
        double t0 = 1_740_823_200.123456;
        Object[][] e = { // id, sender, type, data, timestamp
                {1, "alice", "action", "{\"event\":\"action\",\"name\":\"action_session_start\"}", t0},
                {2, "alice", "session_started", "{\"event\":\"session_started\"}", t0 + 0.1},
                {3, "alice", "user", "{\"event\":\"user\",\"text\":\"book a table " + HARD + "\",\"parse_data\":{\"intent\":{\"name\":\"book\"}}}", t0 + 1},
                {4, "alice", "user_featurization", "{\"event\":\"user_featurization\"}", t0 + 1.1},
                {5, "alice", "action", "{\"event\":\"action\",\"name\":\"utter_ask_time\"}", t0 + 1.2},
                {6, "alice", "bot", "{\"event\":\"bot\",\"text\":\"For when?\",\"data\":{}}", t0 + 1.3},
                {7, "alice", "slot", "{\"event\":\"slot\",\"name\":\"time\",\"value\":\"8pm\"}", t0 + 2},
                {8, "bob", "user", "{\"event\":\"user\",\"text\":\"hi\"}", t0 + 10},
                {9, "bob", "bot", "{\"event\":\"bot\",\"text\":\"hello bob\"}", t0 + 11},
        };
        List<Object[]> rows = new ArrayList<>();
        for (Object[] x : e) rows.add(new Object[] {x[0], x[1], x[2], x[2], x[3], x[4]});
        insert("INSERT INTO events (id, sender_id, type_name, intent_name, data, timestamp) VALUES (?, ?, ?, ?, ?, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        // the exact instants: the float epoch seconds as Rasa wrote them
        expected.put("3", new Expected(turn("book a table " + HARD, "For when?"), epoch(t0 + 1), "alice"));
        expected.put("8", new Expected(turn("hi", "hello bob"), epoch(t0 + 10), "bob"));
        JsonNode counts = backfill("rasa", expected, 2);
        assertThat(counts.get("skipped").asLong()).isEqualTo(5);
        assertThat(counts.get("failed").asLong()).isZero();
    }

    static Instant epoch(double seconds) {
        java.math.BigDecimal v = new java.math.BigDecimal(Double.toString(seconds));
        java.math.BigDecimal whole = v.setScale(0, java.math.RoundingMode.FLOOR);
        return Instant.ofEpochSecond(whole.longValueExact(), v.subtract(whole).movePointRight(9).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact());
    }
}
