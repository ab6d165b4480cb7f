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
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each preset against its app's own DDL (from the schema file the preset cites), with rows that have that app's
 * awkward parts, backfilled with the preset alone ({@code --preset NAME}, the connection and Synap): exactly the
 * expected documents arrive, and the report counts the rest.
 */
class PresetsIT {
    static RealParts.Postgres pg;

    /** What one document must be: its text, time, user and customer. */
    record Expected(String text, Instant at, String user, String customer) {
    }

    @BeforeAll
    static void setUp() {
        pg = RealParts.postgres();
    }

    static void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        }
    }

    static void insert(String sql, List<Object[]> rows) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(false);
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) ps.setObject(i + 1, row[i]);
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        }
    }

    /** Runs the preset alone and checks the documents against {@code expected} (by source row id); returns the report's counts. */
    static JsonNode runPreset(String preset, Map<String, Expected> expected) throws Exception {
        Path state = Files.createTempDirectory("preset-" + preset);
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            CliIT.Result r = CliIT.run(Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password()),
                    "run", "--preset", preset, "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--synap-url", emulator.baseUrl(),
                    "--rate-limit", "60000", "--run-id", "preset-" + preset, "--state-dir", state.toString());
            assertThat(r.exit()).as(r.output()).isZero();
            List<StoredDocument> docs = List.copyOf(emulator.documents());
            Map<String, StoredDocument> bySource = Arrivals.exactlyOnce(docs, expected.keySet());
            for (var e : expected.entrySet()) {
                StoredDocument d = bySource.get(e.getKey());
                assertThat(d.sha256()).as(preset + " " + e.getKey() + ": " + e.getValue().text())
                        .isEqualTo(Arrivals.sha256(e.getValue().text()));
                assertThat(Instant.parse(d.createdAt())).as(preset + " time of " + e.getKey()).isEqualTo(e.getValue().at());
                assertThat(d.userId()).as(preset + " user of " + e.getKey()).isEqualTo(e.getValue().user());
                assertThat(d.customerId()).as(preset + " customer of " + e.getKey()).isEqualTo(e.getValue().customer());
                assertThat(UUID.fromString(d.metadata().get("conversation_id").asText())).isNotNull();
            }
            return Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/preset-" + preset + "/report.json"))).get("counts");
        }
    }

    static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    static LocalDateTime utc(int seconds) {
        return LocalDateTime.ofInstant(T0.plusSeconds(seconds), ZoneOffset.UTC);
    }

    @Test
    void langchainPostgres() throws Exception {
        // langchain_postgres/chat_message_histories.py, _create_table_and_index, with the README's table name
        sql("DROP TABLE IF EXISTS chat_history",
                "CREATE TABLE IF NOT EXISTS chat_history (id SERIAL PRIMARY KEY, session_id UUID NOT NULL, message JSONB NOT NULL, "
                        + "created_at TIMESTAMPTZ NOT NULL DEFAULT NOW())",
                "CREATE INDEX IF NOT EXISTS idx_chat_history_session_id ON chat_history (session_id)");
        String s1 = "6f1c3b1e-0000-4000-8000-000000000001";
        String s2 = "6f1c3b1e-0000-4000-8000-000000000002";
        List<Object[]> rows = new ArrayList<>();
        // one add_messages() batch: the same created_at for all, the SERIAL id is the order
        java.time.OffsetDateTime batch = T0.atOffset(ZoneOffset.UTC);
        String[] s1Messages = {
                "{\"type\": \"system\", \"data\": {\"content\": \"You are a helpful assistant\", \"type\": \"system\"}}",
                "{\"type\": \"human\", \"data\": {\"content\": \"What is the weather in Paris?\", \"type\": \"human\"}}",
                "{\"type\": \"ai\", \"data\": {\"content\": \"\", \"tool_calls\": [{\"name\": \"weather\", \"args\": {\"city\": \"Paris\"}}], \"type\": \"ai\"}}",
                "{\"type\": \"tool\", \"data\": {\"content\": \"18C, sunny\", \"tool_call_id\": \"c1\", \"type\": \"tool\"}}",
                "{\"type\": \"ai\", \"data\": {\"content\": [{\"type\": \"text\", \"text\": \"It is 18°C and sunny.\"}], \"type\": \"ai\"}}",
                "{\"type\": \"human\", \"data\": {\"content\": \"Thanks!\", \"type\": \"human\"}}",
        };
        for (String m : s1Messages) rows.add(new Object[] {UUID.fromString(s1), m, batch});
        rows.add(new Object[] {UUID.fromString(s2), "{\"type\": \"ai\", \"data\": {\"content\": \"Welcome back\"}}", batch.plusSeconds(60)});
        rows.add(new Object[] {UUID.fromString(s2), "{\"type\": \"human\", \"data\": {\"content\": 42}}", batch.plusSeconds(61)}); // broken
        rows.add(new Object[] {UUID.fromString(s2), "{\"type\": \"human\", \"data\": {\"content\": \"hi\"}}", batch.plusSeconds(62)});
        rows.add(new Object[] {UUID.fromString(s2), "{\"type\": \"ai\", \"data\": {\"content\": \"hello\"}}", batch.plusSeconds(63)});
        insert("INSERT INTO chat_history (session_id, message, created_at) VALUES (?, ?::jsonb, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("2", new Expected("User: What is the weather in Paris?\nAssistant: It is 18°C and sunny.", T0, s1, null));
        expected.put("6", new Expected("User: Thanks!", T0, s1, null));
        expected.put("7", new Expected("Assistant: Welcome back", T0.plusSeconds(60), s2, null));
        expected.put("9", new Expected("User: hi\nAssistant: hello", T0.plusSeconds(62), s2, null));
        JsonNode counts = runPreset("langchain-postgres", expected);
        assertThat(counts.get("messages").asLong()).isEqualTo(rows.size());
        assertThat(counts.get("skipped").asLong()).as("system, tool, and the tool-calling ai message with no text").isEqualTo(3);
        assertThat(counts.get("failed").asLong()).as("content 42").isEqualTo(1);
    }

    @Test
    void vercelAiChatbot() throws Exception {
        // lib/db/schema.ts (Drizzle) as its migrations create it
        sql("DROP TABLE IF EXISTS \"Message_v2\"", "DROP TABLE IF EXISTS \"Chat\"", "DROP TABLE IF EXISTS \"User\"",
                "CREATE TABLE \"User\" (\"id\" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL, \"email\" varchar(64) NOT NULL, \"password\" varchar(64))",
                "CREATE TABLE \"Chat\" (\"id\" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL, \"createdAt\" timestamp NOT NULL, \"title\" text NOT NULL, "
                        + "\"userId\" uuid NOT NULL REFERENCES \"User\"(\"id\"), \"visibility\" varchar DEFAULT 'private' NOT NULL)",
                "CREATE TABLE \"Message_v2\" (\"id\" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL, \"chatId\" uuid NOT NULL REFERENCES \"Chat\"(\"id\"), "
                        + "\"role\" varchar NOT NULL, \"parts\" json NOT NULL, \"attachments\" json NOT NULL, \"createdAt\" timestamp NOT NULL)");
        UUID user = UUID.fromString("0b6f7a3e-1111-4000-8000-00000000beef");
        UUID chat = UUID.fromString("c4a7e2d0-2222-4000-8000-000000000001");
        sql("INSERT INTO \"User\" VALUES ('" + user + "', 'ada@example.com', NULL)",
                "INSERT INTO \"Chat\" VALUES ('" + chat + "', '2025-03-01 12:00:00', 'Trip', '" + user + "', 'private')");
        // message ids are random UUIDs: their order is not the conversation's
        String[][] messages = {
                {"f0000000-0000-4000-8000-000000000003", "user", "[{\"type\": \"text\", \"text\": \"Plan a trip to Kyoto\"}]"},
                {"a0000000-0000-4000-8000-000000000001", "assistant", "[{\"type\": \"reasoning\", \"reasoning\": \"The user wants...\", \"text\": \"The user wants...\"}, "
                        + "{\"type\": \"tool-getWeather\", \"toolCallId\": \"t1\", \"state\": \"output-available\"}, {\"type\": \"text\", \"text\": \"Day 1: Fushimi Inari.\"}, "
                        + "{\"type\": \"text\", \"text\": \"Day 2: Arashiyama.\"}]"},
                {"c0000000-0000-4000-8000-000000000002", "user", "[{\"type\": \"text\", \"text\": \"And food?\"}, {\"type\": \"file\", \"url\": \"https://x/y.png\"}]"},
                {"b0000000-0000-4000-8000-000000000004", "assistant", "[{\"type\": \"tool-createDocument\", \"toolCallId\": \"t2\"}]"}, // no text: skipped
        };
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < messages.length; i++)
            rows.add(new Object[] {UUID.fromString(messages[i][0]), chat, messages[i][1], messages[i][2], "[]", utc(i * 10)});
        insert("INSERT INTO \"Message_v2\" VALUES (?, ?, ?, ?::json, ?::json, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put(messages[0][0], new Expected("User: Plan a trip to Kyoto\nAssistant: Day 1: Fushimi Inari.\nDay 2: Arashiyama.", T0, user.toString(), null));
        expected.put(messages[2][0], new Expected("User: And food?", T0.plusSeconds(20), user.toString(), null));
        JsonNode counts = runPreset("vercel-ai-chatbot", expected);
        assertThat(counts.get("messages").asLong()).isEqualTo(4);
        assertThat(counts.get("skipped").asLong()).as("the tool-only assistant message").isEqualTo(1);
    }

    @Test
    void chatwoot() throws Exception {
        // db/schema.rb, the columns of messages and conversations as Rails creates them
        sql("DROP TABLE IF EXISTS messages", "DROP TABLE IF EXISTS conversations",
                "CREATE TABLE conversations (id serial PRIMARY KEY, account_id integer NOT NULL, inbox_id integer NOT NULL, status integer DEFAULT 0 NOT NULL, "
                        + "assignee_id integer, created_at timestamp NOT NULL, updated_at timestamp NOT NULL, contact_id bigint, display_id integer NOT NULL, "
                        + "contact_last_seen_at timestamp, agent_last_seen_at timestamp, additional_attributes jsonb DEFAULT '{}', contact_inbox_id bigint, "
                        + "uuid uuid DEFAULT gen_random_uuid() NOT NULL, identifier varchar, last_activity_at timestamp DEFAULT CURRENT_TIMESTAMP NOT NULL, "
                        + "team_id bigint, campaign_id bigint, snoozed_until timestamp, custom_attributes jsonb DEFAULT '{}', assignee_last_seen_at timestamp, "
                        + "first_reply_created_at timestamp, priority integer, sla_policy_id bigint, waiting_since timestamp, cached_label_list text)",
                "CREATE TABLE messages (id serial PRIMARY KEY, content text, account_id integer NOT NULL, inbox_id integer NOT NULL, conversation_id integer NOT NULL, "
                        + "message_type integer NOT NULL, created_at timestamp NOT NULL, updated_at timestamp NOT NULL, private boolean DEFAULT false NOT NULL, "
                        + "status integer DEFAULT 0, source_id varchar, content_type integer DEFAULT 0 NOT NULL, content_attributes json DEFAULT '{}', "
                        + "sender_type varchar, sender_id bigint, external_source_ids jsonb DEFAULT '{}', additional_attributes jsonb DEFAULT '{}', "
                        + "processed_message_content text, sentiment jsonb DEFAULT '{}')",
                "CREATE INDEX index_messages_on_conversation_id ON messages (conversation_id)",
                "INSERT INTO conversations (id, account_id, inbox_id, created_at, updated_at, contact_id, display_id) VALUES "
                        + "(1, 7, 1, now(), now(), 501, 1), (2, 7, 1, now(), now(), 502, 2), (3, 9, 2, now(), now(), 503, 1)");
        // (conversation, message_type, private, content, seconds)
        Object[][] m = {
                {1, 0, false, "My package never arrived", 0},
                {1, 2, false, "Conversation was assigned to Grace", 5},           // activity
                {1, 1, true, "Customer is a VIP, refund quickly", 8},            // private note
                {1, 1, false, "Sorry! Can you share the order number?", 10},
                {1, 0, false, "#1234", 20},
                {1, 0, false, null, 21},                                          // an attachment only: no text
                {1, 1, false, "Refunded.", 30},
                {1, 2, false, "Conversation was resolved by Grace", 31},          // activity
                {2, 3, false, "Rate your conversation", 0},                       // template
                {2, 0, false, "Are you open on Sunday?", 3},                      // unanswered
                {3, 1, false, "Hi from Acme, how can we help?", 0},               // outgoing first (a campaign)
                {3, 0, false, "Just looking", 9},
        };
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            int conv = (int) m[i][0];
            rows.add(new Object[] {m[i][3], conv == 3 ? 9 : 7, conv == 3 ? 2 : 1, conv, m[i][1], utc(conv * 1000 + (int) m[i][4]),
                    utc(conv * 1000 + (int) m[i][4]), m[i][2]});
        }
        insert("INSERT INTO messages (content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, private) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("1", new Expected("User: My package never arrived\nAssistant: Sorry! Can you share the order number?", T0.plusSeconds(1000), "501", "7"));
        // the attachment (a user message with no text) ends the turn before it: its answer is a turn of its own (#35)
        expected.put("5", new Expected("User: #1234", T0.plusSeconds(1020), "501", "7"));
        expected.put("7", new Expected("Assistant: Refunded.", T0.plusSeconds(1030), "501", "7"));
        expected.put("10", new Expected("User: Are you open on Sunday?", T0.plusSeconds(2003), "502", "7"));
        expected.put("11", new Expected("Assistant: Hi from Acme, how can we help?", T0.plusSeconds(3000), "503", "9"));
        expected.put("12", new Expected("User: Just looking", T0.plusSeconds(3009), "503", "9"));
        JsonNode counts = runPreset("chatwoot", expected);
        assertThat(counts.get("messages").asLong()).isEqualTo(m.length);
        assertThat(counts.get("skipped").asLong()).as("2 activities, a template, a private note, an attachment").isEqualTo(5);
    }

    @Test
    void dify() throws Exception {
        // api/models/model.py (class Message) as the migrations create it; uuid_generate_v4() is gen_random_uuid() here
        sql("DROP TABLE IF EXISTS messages",
                "CREATE TABLE messages (id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY, app_id uuid NOT NULL, model_provider varchar(255), "
                        + "model_id varchar(255), override_model_configs text, conversation_id uuid NOT NULL, inputs json NOT NULL, query text NOT NULL, "
                        + "message json NOT NULL, message_tokens integer DEFAULT 0 NOT NULL, message_unit_price numeric(10,4) NOT NULL, answer text NOT NULL, "
                        + "answer_tokens integer DEFAULT 0 NOT NULL, answer_unit_price numeric(10,4) NOT NULL, provider_response_latency double precision DEFAULT 0 NOT NULL, "
                        + "total_price numeric(10,7), currency varchar(255) NOT NULL, from_source varchar(255) NOT NULL, from_end_user_id uuid, from_account_id uuid, "
                        + "created_at timestamp DEFAULT CURRENT_TIMESTAMP(0) NOT NULL, updated_at timestamp DEFAULT CURRENT_TIMESTAMP(0) NOT NULL, "
                        + "agent_based boolean DEFAULT false NOT NULL, message_price_unit numeric(10,7) DEFAULT 0.001 NOT NULL, "
                        + "answer_price_unit numeric(10,7) DEFAULT 0.001 NOT NULL, workflow_run_id uuid, status varchar(255) DEFAULT 'normal' NOT NULL, "
                        + "error text, message_metadata text, invoke_from varchar(255), parent_message_id uuid)",
                "CREATE INDEX message_conversation_id_idx ON messages (conversation_id)");
        UUID app = UUID.randomUUID();
        UUID conv = UUID.fromString("d1f70000-0000-4000-8000-000000000001");
        UUID endUser = UUID.fromString("e0000000-0000-4000-8000-0000000000e1");
        UUID account = UUID.randomUUID();
        // (id, query, answer, end user, account, status, seconds)
        Object[][] m = {
                {"10000000-0000-4000-8000-000000000001", "How do I reset my password?", "Go to Settings → Security.", endUser, null, "normal", 0},
                {"20000000-0000-4000-8000-000000000002", "Thanks, and 2FA?", "", endUser, null, "error", 30},            // answered in error
                {"30000000-0000-4000-8000-000000000003", "test prompt", "test answer", null, account, "normal", 40},     // the console's debugger
        };
        List<Object[]> rows = new ArrayList<>();
        for (Object[] r : m)
            rows.add(new Object[] {UUID.fromString((String) r[0]), app, conv, "{}", r[1], "[]", new java.math.BigDecimal("0.001"), r[2],
                    new java.math.BigDecimal("0.002"), "USD", r[3] == null ? "console" : "api", r[3], r[4], utc((int) r[6]), utc((int) r[6]), r[5]});
        insert("INSERT INTO messages (id, app_id, conversation_id, inputs, query, message, message_unit_price, answer, answer_unit_price, currency, "
                + "from_source, from_end_user_id, from_account_id, created_at, updated_at, status) VALUES (?, ?, ?, ?::json, ?, ?::json, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put((String) m[0][0], new Expected("User: How do I reset my password?\nAssistant: Go to Settings → Security.", T0, endUser.toString(), null));
        expected.put((String) m[1][0], new Expected("User: Thanks, and 2FA?", T0.plusSeconds(30), endUser.toString(), null));
        JsonNode counts = runPreset("dify", expected);
        assertThat(counts.get("rowsRead").asLong()).isEqualTo(3);
        assertThat(counts.get("skipped").asLong()).as("the debugger's row").isEqualTo(1);
    }
}
