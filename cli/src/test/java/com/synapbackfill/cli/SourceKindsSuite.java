package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Where apps really keep their history, read with flags only by a login that may only SELECT (and cannot make a
 * view): times as ISO text with and without offsets, as integer and float epoch seconds and milliseconds, and
 * inside JSON; a conversation that is the first non-null of several keys; a query that unnests a JSON array per
 * row; NULL conversation ids counted, never lost. Every expected turn arrives once, byte-exact, with its exact
 * original time. One suite, run on PostgreSQL ({@link SourceKindsPostgresIT}) and MariaDB ({@link SourceKindsMariaDbIT}).
 */
abstract class SourceKindsSuite {
    static final String READER = "kinds_reader";
    static final String READER_PASSWORD = "kinds-Reader-9";
    static final String HARD = "Emoji 😀🎂👩‍👩‍👧‍👦, CJK 家族 𠜎, RTL עברית, \"quotes\" \\ and\nnewline";
    static SynapEmulator emulator;

    /** The database under test: an admin connection and the reader's coordinates. */
    interface Db {
        Connection admin() throws Exception;

        String readerUrl();

        /** Lets the reader SELECT {@code table} (and nothing else). */
        String grant(String table);

        boolean postgres();
    }

    abstract Db db();

    static void startEmulator() {
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) emulator.close();
    }

    String text(String pgType, String mysqlType) {
        return db().postgres() ? pgType : mysqlType;
    }

    void exec(String... sql) throws Exception {
        try (Connection c = db().admin(); Statement st = c.createStatement()) {
            for (String s : sql) st.execute(s);
        }
    }

    /** Inserts rows of {@code values} into {@code table} as its app would, then lets the reader see it. */
    void load(String table, String ddl, List<Object[]> rows) throws Exception {
        try (Connection c = db().admin()) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + table);
                st.execute(ddl);
            }
            if (!rows.isEmpty()) {
                String marks = String.join(", ", java.util.Collections.nCopies(rows.get(0).length, "?"));
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (" + marks + ")")) {
                    for (Object[] r : rows) {
                        for (int i = 0; i < r.length; i++) {
                            // MariaDB: a TIMESTAMP as UTC text on a UTC session (no driver's zone conversion)
                            Object v = !db().postgres() && r[i] instanceof java.sql.Timestamp ts
                                    ? java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").format(ts.toInstant().atOffset(java.time.ZoneOffset.UTC))
                                    : r[i];
                            ps.setObject(i + 1, v);
                        }
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute(db().grant(table));
            }
        }
    }

    /** An expected turn: its first message's id, the document text, and its time. */
    record Expected(String text, Instant at) {
    }

    CliIT.Result run(String runId, Path state, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--jdbc-url", db().readerUrl(), "--db-user", READER, "--synap-url", emulator.baseUrl(),
                "--rate-limit", "60000", "--shard-rows", "1000", "--run-id", runId, "--state-dir", state.toString()));
        args.addAll(List.of(flags));
        return CliIT.run(env(), args.toArray(String[]::new));
    }

    CliIT.Result estimate(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("estimate", "--jdbc-url", db().readerUrl(), "--db-user", READER));
        args.addAll(List.of(flags));
        return CliIT.run(env(), args.toArray(String[]::new));
    }

    static Map<String, String> env() {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", READER_PASSWORD);
    }

    /** Exactly {@code expected} arrived (by the first message's id), once, byte-exact, at its time. */
    static void assertArrived(Map<String, Expected> expected) throws Exception {
        List<StoredDocument> docs = List.copyOf(emulator.documents());
        Map<String, StoredDocument> bySource = Arrivals.exactlyOnce(docs, expected.keySet());
        for (var e : expected.entrySet()) {
            StoredDocument d = bySource.get(e.getKey());
            assertThat(d.sha256()).as("text of " + e.getKey()).isEqualTo(Arrivals.sha256(e.getValue().text()));
            assertThat(Instant.parse(d.createdAt())).as("time of " + e.getKey()).isEqualTo(e.getValue().at());
        }
        assertThat(emulator.stats().updates()).isZero();
    }

    static JsonNode report(Path state, String runId) throws Exception {
        return Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/" + runId + "/report.json")));
    }

    static String turn(String user, String assistant) {
        return "User: " + user + "\nAssistant: " + assistant;
    }

    @Test
    void theReaderCannotCreateAView() throws Exception {
        load("kinds_probe", "CREATE TABLE kinds_probe (id BIGINT PRIMARY KEY)", List.of());
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (Connection c = DriverManager.getConnection(db().readerUrl(), READER, READER_PASSWORD); Statement st = c.createStatement()) {
                st.execute("CREATE VIEW kinds_view AS SELECT * FROM kinds_probe");
            }
        });
        assertThat(t).isInstanceOf(java.sql.SQLException.class);
    }

    /**
     * Chainlit's layout: camelCase columns, ISO text times (with Z, with an offset, and without one: the timestamp zone),
     * ids that do not sort by time; a time that is no time is a bad row naming it; a system step with a broken time is
     * skipped by its role first. The filter names a camelCase column quoted.
     */
    @Test
    void isoTextTimesWithAndWithoutOffsets() throws Exception {
        emulator.clearDocuments();
        List<Object[]> rows = new ArrayList<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        // [the user step's time, the answer's, the instant]: Z, an offset, none (Berlin in winter, then in summer)
        String[][] times = {{"2025-03-01T10:00:00.123456Z", "2025-03-01T10:00:01Z", "2025-03-01T10:00:00.123456Z"},
                {"2025-03-01T13:00:05+02:00", "2025-03-01T13:00:06+02:00", "2025-03-01T11:00:05Z"},
                {"2025-03-01 14:30:00.5", "2025-03-01 14:30:01", "2025-03-01T13:30:00.5Z"},
                {"2025-07-01T09:00:00", "2025-07-01T09:00:01", "2025-07-01T07:00:00Z"}};
        for (int c = 0; c < times.length; c++) {
            String thread = "thread-" + c;
            String q = "q" + c + " " + HARD;
            String a = "a" + c + " " + HARD;
            // ids in the opposite order to time: the order comes from the parsed time
            rows.add(new Object[] {"a-" + c + "-0", thread, "system_message", "setup", "not a time"});
            rows.add(new Object[] {"z-" + c + "-2", thread, "assistant_message", a, times[c][1]});
            rows.add(new Object[] {"z-" + c + "-1", thread, "user_message", q, times[c][0]});
            expected.put("z-" + c + "-1", new Expected(turn(q, a), Instant.parse(times[c][2])));
        }
        rows.add(new Object[] {"bad-1", "thread-9", "user_message", "when?", "yesterday"});
        rows.add(new Object[] {"filtered", "thread-9", "user_message", null, "2025-03-02T00:00:00Z"});
        load("steps", "CREATE TABLE steps (id VARCHAR(64) PRIMARY KEY, " + q("threadId") + " VARCHAR(64), type VARCHAR(32), output "
                + text("TEXT", "LONGTEXT") + ", " + q("createdAt") + " VARCHAR(64))", rows);
        Path state = Files.createTempDirectory("kinds-iso");
        CliIT.Result r = run("iso-run", state, "--table", "steps", "--shape", "messages", "--column", "id=id", "--column", "conversationId=threadId",
                "--column", "userId=threadId", "--column", "customerId=", "--column", "role=type", "--column", "text=output",
                "--column", "createdAt=createdAt", "--user-roles", "user_message", "--assistant-roles", "assistant_message",
                "--timestamp-zone", "Europe/Berlin", "--filter", "\"output\" IS NOT NULL");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(expected);
        String failures = Files.readString(state.resolve("reports/runs/iso-run/failures.jsonl"));
        assertThat(failures.lines()).hasSize(1).allSatisfy(l -> assertThat(l).contains("bad_row:unreadable_timestamp").contains("yesterday"));
        JsonNode counts = report(state, "iso-run").get("counts");
        assertThat(counts.get("messages").asLong()).isEqualTo(rows.size());
        assertThat(counts.get("skipped").asLong()).isEqualTo(5); // four system steps by their role, one by the filter
    }

    /** An identifier quoted as the database quotes it. */
    String q(String name) {
        return db().postgres() ? "\"" + name + "\"" : "`" + name + "`";
    }

    /** Open WebUI's bigint epoch seconds, Rasa's float seconds, and milliseconds by the mapping's unit. */
    @Test
    void epochSecondsIntegerAndFloatAndMilliseconds() throws Exception {
        String t = text("TEXT", "LONGTEXT");
        String f = text("DOUBLE PRECISION", "DOUBLE");
        List<Object[]> rows = new ArrayList<>();
        Map<String, Instant> userTimes = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        long base = 1_740_823_200L; // 2025-03-01T10:00:00Z
        for (int c = 0; c < 5; c++) {
            for (int k = 0; k < 4; k++) {
                long id = c * 10L + k;
                double seconds = base + c * 3_600 + k * 7 + 0.123456;
                String body = (k % 2 == 0 ? "question " : "answer ") + id + " " + HARD;
                rows.add(new Object[] {id, "sender-" + c, k % 2 == 0 ? "user" : "bot", body, (long) seconds, seconds,
                        (long) (base + c * 3_600 + k * 7) * 1000 + 250});
                if (k % 2 == 0) userTimes.put(Long.toString(id), Instant.ofEpochSecond(base + c * 3_600 + k * 7));
                texts.put(Long.toString(id), body);
            }
        }
        load("epoch_events", "CREATE TABLE epoch_events (id BIGINT PRIMARY KEY, sender_id VARCHAR(64), type_name VARCHAR(32), body " + t
                + ", ts_s BIGINT, ts_f " + f + ", ts_ms BIGINT)", rows);
        Map<String, Expected> expected = new LinkedHashMap<>();
        String[][] kinds = {{"ts_s", "0"}, {"ts_f", "123456000"}, {"ts_ms::epoch_ms", "250000000"}};
        for (String[] kind : kinds) {
            emulator.clearDocuments();
            expected.clear();
            for (var e : userTimes.entrySet()) {
                long id = Long.parseLong(e.getKey());
                expected.put(e.getKey(), new Expected(turn(texts.get(e.getKey()), texts.get(Long.toString(id + 1))),
                        e.getValue().plusNanos(Long.parseLong(kind[1]))));
            }
            Path state = Files.createTempDirectory("kinds-epoch");
            String runId = "epoch-" + kind[0].replace("::", "-").replace('_', '-');
            CliIT.Result r = run(runId, state, "--table", "epoch_events", "--shape", "messages", "--column", "conversationId=sender_id",
                    "--column", "userId=sender_id", "--column", "customerId=", "--column", "role=type_name", "--column", "text=body",
                    "--column", "createdAt=" + kind[0], "--assistant-roles", "bot");
            assertThat(r.exit()).as(kind[0] + ": " + r.output()).isZero();
            assertArrived(expected);
        }
    }

    /**
     * Rasa's tracker store: a row per event, the text and the float time inside the {@code data} JSON; action, slot
     * and session events have no text, and are skipped by their role, not failed for their text.
     */
    @Test
    void aTimeInsideJson() throws Exception {
        emulator.clearDocuments();
        List<Object[]> rows = new ArrayList<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        long id = 0;
        for (int c = 0; c < 3; c++) {
            String sender = "sender-" + c;
            rows.add(new Object[] {++id, sender, "session_started", "{\"event\":\"session_started\",\"timestamp\":1740823200.5}"});
            for (int k = 0; k < 2; k++) {
                double at = 1_740_823_200.25 + c * 100 + k * 10;
                String q = "frage " + c + k + " " + HARD;
                String a = "antwort " + c + k;
                rows.add(new Object[] {++id, sender, "user", Json.write(Map.of("event", "user", "text", q, "timestamp", at))});
                long userId = id;
                rows.add(new Object[] {++id, sender, "action", Json.write(Map.of("event", "action", "name", "utter_x", "timestamp", at + 1))});
                rows.add(new Object[] {++id, sender, "bot", Json.write(Map.of("event", "bot", "text", a, "timestamp", at + 2))});
                expected.put(Long.toString(userId), new Expected(turn(q, a), Instant.ofEpochSecond((long) at, 250_000_000)));
            }
        }
        load("events", "CREATE TABLE events (id BIGINT PRIMARY KEY, sender_id VARCHAR(64), type_name VARCHAR(32), data " + text("TEXT", "LONGTEXT") + ")",
                rows);
        Path state = Files.createTempDirectory("kinds-json");
        CliIT.Result r = run("json-time", state, "--table", "events", "--shape", "messages", "--column", "conversationId=sender_id",
                "--column", "userId=sender_id", "--column", "customerId=", "--column", "role=type_name", "--column", "text=data#/text",
                "--column", "createdAt=data#/timestamp", "--column", "order=id", "--assistant-roles", "bot");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("failed 0");
        assertArrived(expected);
    }

    /**
     * LobeChat's conversation: the thread, else the topic, else the session's default topic, else the user's inbox; equal
     * ids of different kinds stay different conversations. Messages whose plain conversation column is NULL are counted
     * by estimate, skipped by the run, and named in its summary and report.
     */
    @Test
    void aConversationKeyFromAlternativesAndNullKeysCounted() throws Exception {
        emulator.clearDocuments();
        String ts = text("TIMESTAMPTZ", "TIMESTAMP(6) NULL");
        List<Object[]> rows = new ArrayList<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        java.util.Set<String> conversations = new java.util.HashSet<>();
        Instant at = Instant.parse("2025-05-01T08:00:00Z");
        // [thread, topic, session]: the same "42" as a topic and as a session are two conversations
        String[][] keys = {{"t1", "42", "s1"}, {null, "42", "s1"}, {null, null, "42"}, {null, null, null}, {null, "7", null}};
        int n = 0;
        for (String[] k : keys) {
            String key = k[0] != null ? "thread_id:" + k[0] : k[1] != null ? "topic_id:" + k[1] : k[2] != null ? "session_id:" + k[2] : "user_id:u1";
            conversations.add(key);
            for (int turn = 0; turn < 2; turn++) {
                String q = "msg " + n + " " + HARD;
                String a = "reply " + n;
                Instant qt = at.plusSeconds(60L * n++);
                rows.add(new Object[] {"msg_" + n + "_q", "user", q, "u1", k[2], k[1], k[0], java.sql.Timestamp.from(qt)});
                rows.add(new Object[] {"msg_" + n + "_a", "assistant", a, "u1", k[2], k[1], k[0], java.sql.Timestamp.from(qt.plusSeconds(5))});
                expected.put("msg_" + n + "_q", new Expected(turn(q, a), qt));
            }
        }
        load("lobe_messages", "CREATE TABLE lobe_messages (id VARCHAR(64) PRIMARY KEY, role VARCHAR(16), content " + text("TEXT", "LONGTEXT")
                + ", user_id VARCHAR(64), session_id VARCHAR(64), topic_id VARCHAR(64), thread_id VARCHAR(64), created_at " + ts + ")", rows);
        Path state = Files.createTempDirectory("kinds-alternatives");
        CliIT.Result r = run("alternatives", state, "--table", "lobe_messages", "--shape", "messages",
                "--column", "conversationId=thread_id ?? topic_id ?? session_id ?? user_id", "--column", "customerId=");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(expected);
        assertThat(emulator.documents().stream().map(d -> d.metadata().get("source_conversation_id").asText()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(conversations);

        // the plain topic column: 8 messages have none (12 have one); nothing crashes, nothing ends empty, the count is said
        emulator.clearDocuments();
        int withoutTopic = (int) rows.stream().filter(x -> x[5] == null).count();
        CliIT.Result e = estimate("--table", "lobe_messages", "--shape", "messages", "--column", "conversationId=topic_id", "--column", "customerId=");
        assertThat(e.exit()).as(e.output()).isZero();
        assertThat(e.output()).contains(String.format("%,d messages have no conversation id", withoutTopic));
        Path state2 = Files.createTempDirectory("kinds-null-keys");
        CliIT.Result nulls = run("null-keys", state2, "--table", "lobe_messages", "--shape", "messages", "--column", "conversationId=topic_id",
                "--column", "customerId=");
        assertThat(nulls.exit()).as(nulls.output()).isZero();
        assertThat(nulls.output()).contains(String.format("%,d messages have no conversation id: skipped as missing_conversation_id", withoutTopic));
        JsonNode report = report(state2, "null-keys");
        assertThat(report.get("counts").get("withoutConversation").asLong()).isEqualTo(withoutTopic);
        assertThat(report.get("counts").get("messages").asLong()).isEqualTo(rows.size());
        assertThat(report.get("invariant").get("holds").asBoolean()).isTrue();
        assertThat(emulator.documents()).hasSize((rows.size() - withoutTopic) / 2);

        // every conversation id NULL: estimate says so and exits non-zero; a run completes, sends nothing, and says why
        exec("UPDATE lobe_messages SET thread_id = NULL");
        CliIT.Result allNull = estimate("--table", "lobe_messages", "--shape", "messages", "--column", "conversationId=thread_id", "--column", "customerId=");
        assertThat(allNull.exit()).as(allNull.output()).isEqualTo(2);
        assertThat(allNull.output()).contains(String.format("Every message of lobe_messages (%,d) has no conversation id", rows.size()));
        emulator.clearDocuments();
        Path state3 = Files.createTempDirectory("kinds-all-null");
        CliIT.Result empty = run("all-null", state3, "--table", "lobe_messages", "--shape", "messages", "--column", "conversationId=thread_id",
                "--column", "customerId=");
        assertThat(empty.exit()).as(empty.output()).isZero();
        assertThat(empty.output()).contains(String.format("%,d messages have no conversation id", rows.size()));
        assertThat(report(state3, "all-null").get("counts").get("skipped").asLong()).isEqualTo(rows.size());
        assertThat(emulator.documents()).isEmpty();
    }

    /** Open WebUI's one row per chat, messages in a JSON array: a query unnests it, and pages read it like a table. */
    @Test
    void aQuerySourceUnnestingAJsonArrayPerRow() throws Exception {
        emulator.clearDocuments();
        List<Object[]> rows = new ArrayList<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        long base = 1_740_823_200L;
        for (int c = 0; c < 6; c++) {
            List<Map<String, Object>> msgs = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                String content = (k % 2 == 0 ? "frage " : "antwort ") + c + "/" + k + " " + HARD;
                msgs.add(Map.of("role", k % 2 == 0 ? "user" : "assistant", "content", content, "timestamp", base + c * 1000 + k));
            }
            for (int k = 0; k < 4; k += 2)
                expected.put("chat-" + c + ":" + (k + 1), new Expected(turn((String) msgs.get(k).get("content"), (String) msgs.get(k + 1).get("content")),
                        Instant.ofEpochSecond(base + c * 1000 + k)));
            rows.add(new Object[] {"chat-" + c, "user-" + c, Json.write(Map.of("messages", msgs))});
        }
        load("chat", "CREATE TABLE chat (id VARCHAR(64) PRIMARY KEY, user_id VARCHAR(64), chat " + text("JSONB", "LONGTEXT") + ")", List.of());
        try (Connection c = db().admin(); PreparedStatement ps = c.prepareStatement("INSERT INTO chat VALUES (?, ?, " + text("?::jsonb", "?") + ")")) {
            for (Object[] r : rows) {
                for (int i = 0; i < 3; i++) ps.setObject(i + 1, r[i]);
                ps.executeUpdate();
            }
        }
        String query = db().postgres()
                ? "SELECT c.id || ':' || m.ord AS msg_id, c.id AS chat_id, c.user_id, m.value->>'role' AS role, m.value->>'content' AS content, "
                + "(m.value->>'timestamp')::bigint AS ts, m.ord AS pos FROM chat c CROSS JOIN LATERAL jsonb_array_elements(c.chat->'messages') "
                + "WITH ORDINALITY AS m(value, ord)"
                : "SELECT CONCAT(c.id, ':', m.ord) AS msg_id, c.id AS chat_id, c.user_id, m.role, m.content, m.ts, m.ord AS pos FROM chat c, "
                + "JSON_TABLE(c.chat, '$.messages[*]' COLUMNS (ord FOR ORDINALITY, role VARCHAR(16) PATH '$.role', "
                + "content LONGTEXT CHARACTER SET utf8mb4 PATH '$.content', ts BIGINT PATH '$.timestamp')) AS m";
        Path state = Files.createTempDirectory("kinds-query");
        CliIT.Result r = run("query-run", state, "--query", query, "--shape", "messages", "--column", "id=msg_id", "--column", "conversationId=chat_id",
                "--column", "customerId=", "--column", "text=content", "--column", "createdAt=ts", "--column", "order=pos");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(expected);
        // refused before anything is read or sent: writes, locks, two statements; a query without the mapped id column
        long received = emulator.stats().documentsReceived();
        Map<String, String> refused = Map.of("DELETE FROM chat", "is a DELETE statement",
                "INSERT INTO chat (id) VALUES ('x') RETURNING id", "is an INSERT ... RETURNING statement",
                "SELECT * FROM chat FOR UPDATE", "a locking clause (FOR UPDATE)", "SELECT id FROM chat; SELECT 1", "two statements");
        for (var e : refused.entrySet()) {
            CliIT.Result x = run("refused", Files.createTempDirectory("kinds-refused"), "--query", e.getKey(), "--shape", "messages");
            assertThat(x.exit()).as(e.getKey() + ": " + x.output()).isEqualTo(2);
            assertThat(x.output()).as(e.getKey()).contains("--query").contains(e.getValue());
        }
        Path noId = Files.createTempDirectory("kinds-no-id");
        CliIT.Result x = run("no-id", noId, "--query", "SELECT id AS chat_id, user_id FROM chat", "--shape", "messages", "--column", "id=msg_id",
                "--column", "conversationId=chat_id", "--column", "customerId=");
        assertThat(x.exit()).as(x.output()).isEqualTo(2);
        assertThat(x.output()).contains("columns.id: column \"msg_id\" not found").contains("The query returns [chat_id, user_id]");
        CliIT.Result unit = run("bad-unit", Files.createTempDirectory("kinds-unit"), "--query", query, "--shape", "messages",
                "--column", "createdAt=ts::fortnights");
        assertThat(unit.exit()).as(unit.output()).isEqualTo(2);
        assertThat(unit.output()).contains("unknown time unit \"fortnights\"");
        try (var files = Files.list(noId)) {
            assertThat(files.toList()).as("nothing planned").isEmpty();
        }
        assertThat(emulator.stats().documentsReceived()).isEqualTo(received);
    }

    /** #34: a text id column that repeats a value is refused before anything is read; keyset pages would skip a row. */
    @Test
    void aNonUniqueIdColumnIsRefusedBeforeAnythingIsSent() throws Exception {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 1_200; i++)
            rows.add(new Object[] {String.format("id-%05d", i), "u", "c-" + i / 4, i % 4, "q" + i, "a" + i, java.sql.Timestamp.from(Instant.parse("2025-01-01T00:00:00Z"))});
        rows.add(new Object[] {"id-00600", "u", "c-x", 0, "twin", "twin", java.sql.Timestamp.from(Instant.parse("2025-01-01T00:00:00Z"))});
        load("twin_ids", "CREATE TABLE twin_ids (id VARCHAR(32), user_id VARCHAR(8), conversation_id VARCHAR(16), message_index INT, user_text "
                + text("TEXT", "LONGTEXT") + ", assistant_text " + text("TEXT", "LONGTEXT") + ", created_at " + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL") + ")", rows);
        long received = emulator.stats().documentsReceived();
        Path state = Files.createTempDirectory("kinds-twins");
        CliIT.Result r = run("twins", state, "--table", "twin_ids", "--column", "customerId=");
        assertThat(r.exit()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("columns.id: column id is not unique (\"id-00600\" is on 2 rows)");
        CliIT.Result e = estimate("--table", "twin_ids", "--column", "customerId=");
        assertThat(e.exit()).as(e.output()).isEqualTo(2);
        assertThat(e.output()).contains("is not unique");
        assertThat(emulator.stats().documentsReceived()).isEqualTo(received);
    }

    /**
     * #34: conversation ids that differ only by case, and a text id whose name-based UUID another row holds literally,
     * stay distinct conversations: every row arrives, none is "already present".
     */
    @Test
    void conversationIdsThatLookAlikeNeverCollide() throws Exception {
        emulator.clearDocuments();
        String lower = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        String named = com.synapbackfill.source.DocumentMapper.conversationUuid("foo");
        List<String> convs = List.of(lower, lower.toUpperCase(), "foo", named, "Foo");
        List<Object[]> rows = new ArrayList<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        Instant at = Instant.parse("2025-02-01T00:00:00Z");
        for (int i = 0; i < convs.size(); i++) {
            rows.add(new Object[] {(long) i + 1, "u" + i, convs.get(i), 0, "q" + i, "a" + i, java.sql.Timestamp.from(at.plusSeconds(i))});
            expected.put(Long.toString(i + 1), new Expected(turn("q" + i, "a" + i), at.plusSeconds(i)));
        }
        // a binary collation: the database keeps the case apart as the source does
        load("lookalikes", "CREATE TABLE lookalikes (id BIGINT PRIMARY KEY, user_id VARCHAR(8), conversation_id VARCHAR(64)"
                + text("", " COLLATE utf8mb4_bin") + ", message_index INT, user_text " + text("TEXT", "LONGTEXT") + ", assistant_text "
                + text("TEXT", "LONGTEXT") + ", created_at " + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL") + ")", rows);
        Path state = Files.createTempDirectory("kinds-lookalikes");
        CliIT.Result r = run("lookalikes", state, "--table", "lookalikes", "--column", "customerId=");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("already present 0");
        assertArrived(expected);
        assertThat(emulator.documents().stream().map(d -> d.metadata().get("conversation_id").asText()).distinct().count()).isEqualTo(convs.size());
    }

    /** #34: times no chat can have are bad rows naming the time, never sent as year 1000000000 or -4712. */
    @Test
    void impossibleTimesAreBadRowsNamingTheTime() throws Exception {
        emulator.clearDocuments();
        List<String> times = db().postgres()
                ? List.of("infinity", "-infinity", "4713-01-01 00:00:00+00 BC", "2025-03-01 10:00:00+00")
                : List.of("9999-12-31 23:59:00", "1000-01-01 00:00:00", "2025-03-01 10:00:00");
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) rows.add(new Object[] {(long) i + 1, "u", "c" + i, 0, "q" + i, "a" + i, times.get(i)});
        String column = db().postgres() ? "TIMESTAMPTZ" : "DATETIME(6)";
        load("impossible_times", "CREATE TABLE impossible_times (id BIGINT PRIMARY KEY, user_id VARCHAR(8), conversation_id VARCHAR(16), "
                + "message_index INT, user_text " + text("TEXT", "LONGTEXT") + ", assistant_text " + text("TEXT", "LONGTEXT") + ", created_at "
                + column + ")", List.of());
        try (Connection c = db().admin(); PreparedStatement ps = c.prepareStatement("INSERT INTO impossible_times VALUES (?, ?, ?, ?, ?, ?, "
                + text("?::timestamptz", "?") + ")")) {
            for (Object[] r : rows) {
                for (int i = 0; i < r.length; i++) ps.setObject(i + 1, r[i]);
                ps.executeUpdate();
            }
        }
        Path state = Files.createTempDirectory("kinds-impossible");
        CliIT.Result r = run("impossible", state, "--table", "impossible_times", "--column", "customerId=", "--timestamp-zone", "America/New_York");
        assertThat(r.exit()).as(r.output()).isZero();
        Instant good = db().postgres() ? Instant.parse("2025-03-01T10:00:00Z") : Instant.parse("2025-03-01T15:00:00Z");
        assertArrived(Map.of(Long.toString(times.size()), new Expected(turn("q" + (times.size() - 1), "a" + (times.size() - 1)), good)));
        String failures = Files.readString(state.resolve("reports/runs/impossible/failures.jsonl"));
        assertThat(failures.lines()).hasSize(times.size() - 1).allSatisfy(l -> assertThat(l).contains("bad_row:impossible_timestamp"));
        if (db().postgres()) assertThat(failures).contains("-4712-01-01T00:00:00Z").contains("+1000000000-");
        else assertThat(failures).contains("+10000-01-01T04:59:00Z").contains("1000-01-01T04:56:02Z");
    }

    /**
     * #35: the conversations shape, a row per conversation with its messages in a JSON array (LangChain's DynamoDB-style
     * History list kept in SQL): on MariaDB the JSON is LONGTEXT. Parent links with no current leaf: a regeneration keeps the
     * latest answer, and a message whose parent was hard-deleted keeps its place.
     */
    @Test
    void conversationsKeptAsJson() throws Exception {
        emulator.clearDocuments();
        String json = text("JSON", "LONGTEXT");
        load("conv_store", "CREATE TABLE conv_store (session_id VARCHAR(64) PRIMARY KEY, user_ref VARCHAR(64), history " + json
                + ", updated BIGINT)", List.of());
        long t0 = 1_740_823_200L;
        String h1 = Json.write(List.of(
                Map.of("id", "a", "role", "user", "text", "erste Frage " + HARD, "ts", t0),
                Map.of("id", "b", "parent", "a", "role", "assistant", "text", "old answer", "ts", t0 + 1),
                Map.of("id", "c", "parent", "a", "role", "assistant", "text", "regenerated answer", "ts", t0 + 2),
                Map.of("id", "d", "parent", "gone", "role", "user", "text", "after a deleted message", "ts", t0 + 3),
                Map.of("id", "e", "parent", "d", "role", "assistant", "text", "still here", "ts", t0 + 4)));
        String h2 = Json.write(List.of(Map.of("id", "x", "role", "system", "text", "be nice"),
                Map.of("id", "y", "role", "user", "text", "zweite", "ts", t0 + 10), Map.of("id", "z", "role", "assistant", "text", "antwort", "ts", t0 + 11)));
        try (Connection c = db().admin(); PreparedStatement ps = c.prepareStatement("INSERT INTO conv_store VALUES (?, ?, " + text("?::json", "?") + ", ?)")) {
            for (Object[] r : List.of(new Object[] {"s-1", "u-1", h1, t0}, new Object[] {"s-2", "u-2", h2, t0 + 10}, new Object[] {"s-3", "u-3", "42", t0},
                    new Object[] {"s-4", "u-4", "{}", t0}, new Object[] {"s-5", "u-5", "[]", t0})) {
                // (s-4 and s-5 hold no message: an empty object and an empty list)
                for (int i = 0; i < r.length; i++) ps.setObject(i + 1, r[i]);
                ps.executeUpdate();
            }
        }
        Path state = Files.createTempDirectory("kinds-conversations");
        CliIT.Result r = run("conversations", state, "--table", "conv_store", "--shape", "conversations", "--column", "conversationId=session_id",
                "--column", "userId=user_ref", "--column", "customerId=", "--column", "messages=history#", "--column", "id=/id",
                "--column", "parentId=/parent", "--column", "text=/text", "--column", "createdAt=/ts");
        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("s-1/a", new Expected(turn("erste Frage " + HARD, "regenerated answer"), Instant.ofEpochSecond(t0)));
        expected.put("s-1/d", new Expected(turn("after a deleted message", "still here"), Instant.ofEpochSecond(t0 + 3)));
        expected.put("s-2/y", new Expected(turn("zweite", "antwort"), Instant.ofEpochSecond(t0 + 10)));
        assertArrived(expected);
        JsonNode counts = report(state, "conversations").get("counts");
        // the superseded answer, the system message, and the two chats with no message (empty_conversation, not bad rows)
        assertThat(counts.get("skipped").asLong()).isEqualTo(4);
        assertThat(counts.get("failed").asLong()).isEqualTo(1); // the row whose history is no list of messages
        String failures = Files.readString(state.resolve("reports/runs/conversations/failures.jsonl"));
        assertThat(failures.lines()).singleElement().asString().contains("\"sourceId\":\"s-3/\"").doesNotContain("s-4").doesNotContain("s-5");
        assertThat(emulator.documents().stream().map(d -> d.metadata().get("conversation_id").asText()).distinct().count()).isEqualTo(2);
    }
    /**
     * A chat whose JSON holds a value nested 1,500 levels deep in a field the mapping never reads (a tool's raw output), and
     * an answer whose text key appears twice (a json or text column keeps both; jsonb would keep the last). The chat used
     * to be one bad row, "the messages are not a JSON array or object", and the draft was dropped without a word: now the
     * turn is sent with the last text, as the database and the app read it, and the run counts the duplicate and says where.
     */
    @Test
    void aChatWithAnUnusedFieldNestedPastAThousandLevelsAndAKeyTwiceIsSent() throws Exception {
        emulator.clearDocuments();
        load("deep_store", "CREATE TABLE deep_store (session_id VARCHAR(64) PRIMARY KEY, user_ref VARCHAR(64), history "
                + text("JSON", "LONGTEXT") + ")", List.of());
        long t0 = 1_740_823_200L;
        String deep = "[".repeat(1_500) + "]".repeat(1_500);
        String history = "[{\"id\":\"a\",\"role\":\"user\",\"text\":\"tief verschachtelt\",\"ts\":" + t0 + ",\"raw\":" + deep + "},"
                + "{\"id\":\"b\",\"parent\":\"a\",\"role\":\"assistant\",\"text\":\"draft\",\"text\":\"final answer\",\"ts\":" + (t0 + 1) + "}]";
        try (Connection c = db().admin(); PreparedStatement ps = c.prepareStatement("INSERT INTO deep_store VALUES (?, ?, " + text("?::json", "?") + ")")) {
            ps.setString(1, "d-1");
            ps.setString(2, "u-1");
            ps.setString(3, history);
            ps.executeUpdate();
        }
        Path state = Files.createTempDirectory("kinds-deep");
        CliIT.Result r = run("deep", state, "--table", "deep_store", "--shape", "conversations", "--column", "conversationId=session_id",
                "--column", "userId=user_ref", "--column", "customerId=", "--column", "messages=history#", "--column", "id=/id",
                "--column", "parentId=/parent", "--column", "text=/text", "--column", "createdAt=/ts");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(Map.of("d-1/a", new Expected(turn("tief verschachtelt", "final answer"), Instant.ofEpochSecond(t0))));
        assertThat(report(state, "deep").get("counts").get("failed").asLong()).isZero();
        assertThat(r.output()).contains("Warning: 1 JSON key appeared twice in one object (the first at /1/text in its column): the last "
                + "value was read");
    }

    /**
     * A message that takes no part in the run never decides a branch: a hidden summary the app hangs under a question after
     * its answer (left out by the filter), and an answer regenerated a month after the cutover (left out by --until). Each
     * conversation sends both of its turns; the two left out are counted skipped by the filter, none superseded.
     */
    @Test
    void aMessageLeftOutOfTheRunNeverDecidesABranch() throws Exception {
        emulator.clearDocuments();
        Instant t0 = Instant.parse("2025-05-01T08:00:00Z");
        List<Object[]> rows = new ArrayList<>();
        // chat h: q1 -> a1 -> q2 -> a2, and a hidden summary under q1 written after a1
        rows.add(branchRow(1, "chat-h", null, "user", "q1", false, t0));
        rows.add(branchRow(2, "chat-h", 1, "assistant", "a1", false, t0.plusSeconds(1)));
        rows.add(branchRow(3, "chat-h", 2, "user", "q2", false, t0.plusSeconds(2)));
        rows.add(branchRow(4, "chat-h", 3, "assistant", "a2", false, t0.plusSeconds(3)));
        rows.add(branchRow(5, "chat-h", 1, "assistant", "summary of the chat", true, t0.plusSeconds(4)));
        // chat r: the same four before the cutover, and a1 regenerated a month after it
        rows.add(branchRow(11, "chat-r", null, "user", "r q1", false, t0));
        rows.add(branchRow(12, "chat-r", 11, "assistant", "r a1", false, t0.plusSeconds(1)));
        rows.add(branchRow(13, "chat-r", 12, "user", "r q2", false, t0.plusSeconds(2)));
        rows.add(branchRow(14, "chat-r", 13, "assistant", "r a2", false, t0.plusSeconds(3)));
        rows.add(branchRow(15, "chat-r", 11, "assistant", "r a1 regenerated after the cutover", false, t0.plus(java.time.Duration.ofDays(30))));
        load("branch_msgs", "CREATE TABLE branch_msgs (id INT PRIMARY KEY, chat_id VARCHAR(32), parent_id INT NULL, role VARCHAR(16), "
                + "content TEXT, hidden BOOLEAN, created_at " + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL") + ")", rows);
        String until = t0.plus(java.time.Duration.ofDays(10)).toString();
        String[] mapping = {"--table", "branch_msgs", "--shape", "messages", "--column", "conversationId=chat_id", "--column", "userId=chat_id",
                "--column", "customerId=", "--column", "text=content", "--column", "parentId=parent_id", "--filter", "hidden = false",
                "--until", until};
        Path state = Files.createTempDirectory("kinds-branch-left-out");
        CliIT.Result r = run("branch-left-out", state, mapping);
        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("1", new Expected(turn("q1", "a1"), t0));
        expected.put("3", new Expected(turn("q2", "a2"), t0.plusSeconds(2)));
        expected.put("11", new Expected(turn("r q1", "r a1"), t0));
        expected.put("13", new Expected(turn("r q2", "r a2"), t0.plusSeconds(2)));
        assertArrived(expected);
        JsonNode counts = report(state, "branch-left-out").get("counts");
        assertThat(counts.get("skipped").asLong()).as(counts.toString()).isEqualTo(2);
        assertThat(counts.get("failed").asLong()).isZero();
        // by reason: what estimate's sample counts, both left out by the filter and the cutover, none superseded
        CliIT.Result e = estimate(mapping);
        assertThat(e.exit()).as(e.output()).isZero();
        assertThat(e.output()).containsPattern("filter\\s+2").doesNotContain("branch:superseded");
    }

    /**
     * A parent that holds the child the app shows (a latest_child_message_id column): by flags alone, the conversation is
     * the chain from the root along those pointers, though a later regeneration and a later edit of the question exist.
     */
    @Test
    void aParentHeldPointerReadsTheChainTheAppShows() throws Exception {
        emulator.clearDocuments();
        Instant t0 = Instant.parse("2025-06-01T08:00:00Z");
        List<Object[]> rows = new ArrayList<>();
        // q1 -> a1 (shown) | a1b (regenerated, then the user went back to a1); a1 -> q2 (shown) | q2b (edited later); q2 -> a2; q2b -> a2b
        rows.add(pointerRow(1, null, 2, "user", "q1 " + HARD, t0));
        rows.add(pointerRow(2, 1, 4, "assistant", "a1 the user went back to", t0.plusSeconds(1)));
        rows.add(pointerRow(3, 1, null, "assistant", "a1 regenerated", t0.plusSeconds(2)));
        rows.add(pointerRow(4, 2, 5, "user", "q2", t0.plusSeconds(3)));
        rows.add(pointerRow(5, 4, null, "assistant", "a2", t0.plusSeconds(4)));
        rows.add(pointerRow(6, 2, 7, "user", "q2 edited", t0.plusSeconds(5)));
        rows.add(pointerRow(7, 6, null, "assistant", "a2 for the edit", t0.plusSeconds(6)));
        load("pointer_msgs", "CREATE TABLE pointer_msgs (id INT PRIMARY KEY, chat_id VARCHAR(32), parent_id INT NULL, latest_child_message_id INT NULL, "
                + "role VARCHAR(16), content TEXT, created_at " + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL") + ")", rows);
        Path state = Files.createTempDirectory("kinds-branch-pointer");
        CliIT.Result r = run("branch-pointer", state, "--table", "pointer_msgs", "--shape", "messages", "--column", "conversationId=chat_id",
                "--column", "userId=chat_id", "--column", "customerId=", "--column", "text=content", "--column", "parentId=parent_id",
                "--column", "currentChildId=latest_child_message_id");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(Map.of("1", new Expected(turn("q1 " + HARD, "a1 the user went back to"), t0),
                "4", new Expected(turn("q2", "a2"), t0.plusSeconds(3))));
        assertThat(report(state, "branch-pointer").get("counts").get("skipped").asLong()).isEqualTo(3);
    }

    private static Object[] branchRow(int id, String chat, Integer parent, String role, String content, boolean hidden, Instant at) {
        return new Object[] {id, chat, parent, role, content, hidden, java.sql.Timestamp.from(at)};
    }

    private static Object[] pointerRow(int id, Integer parent, Integer shownChild, String role, String content, Instant at) {
        return new Object[] {id, "chat-p", parent, shownChild, role, content, java.sql.Timestamp.from(at)};
    }
    /**
     * One field language in every shape: a row per turn whose answer is JSON text in a text column (AnythingLLM's
     * response), whose conversation is the first non-null of three columns (thread, API session, workspace: equal values of
     * different kinds stay apart), and whose user is NULL on every row (single-user mode: a constant given), read by flags.
     */
    @Test
    void aTurnTableReadWithEveryFieldKind() throws Exception {
        emulator.clearDocuments();
        Instant t0 = Instant.parse("2025-07-01T09:00:00Z");
        List<Object[]> rows = new ArrayList<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        Object[][] convs = {{5, null, 1}, {null, "5", 1}, {null, null, 5}};
        for (int k = 0; k < 9; k++) {
            Object[] conv = convs[k % 3];
            String answer = "answer " + k + " " + HARD;
            rows.add(new Object[] {k + 1, conv[2], conv[0], conv[1], null, "prompt " + k, Json.write(Map.of("text", answer, "sources", List.of())),
                    java.sql.Timestamp.from(t0.plusSeconds(k))});
            expected.put(Integer.toString(k + 1), new Expected(turn("prompt " + k, answer), t0.plusSeconds(k)));
        }
        load("every_kind_chats", "CREATE TABLE every_kind_chats (id INT PRIMARY KEY, workspace_id INT, thread_id INT NULL, api_session_id "
                + "VARCHAR(32) NULL, user_id INT NULL, prompt TEXT, response TEXT, created_at " + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL") + ")", rows);
        Path state = Files.createTempDirectory("kinds-every-kind");
        CliIT.Result r = run("every-kind", state, "--table", "every_kind_chats", "--column", "userText=prompt", "--column", "assistantText=response#/text",
                "--column", "conversationId=thread_id ?? api_session_id ?? workspace_id", "--column", "userId=user_id ?? 'owner'",
                "--column", "customerId=", "--column", "messageIndex=");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(expected);
        assertThat(emulator.documents()).allSatisfy(d -> assertThat(d.userId()).isEqualTo("owner"));
        assertThat(emulator.documents().stream().map(d -> d.metadata().get("conversation_id").asText()).distinct().count())
                .as("thread 5, session 5 and workspace 5 are three conversations").isEqualTo(3);
        // where a kind cannot apply, the error names the shape and the way around
        CliIT.Result id = run("every-kind-bad", Files.createTempDirectory("kinds-every-kind-bad"), "--table", "every_kind_chats",
                "--column", "id=thread_id ?? id");
        assertThat(id.exit()).isEqualTo(2);
        assertThat(id.output()).contains("in a row per turn the id is a column of the table itself").contains("--query");
    }

    /** A filter may name a joined table's column (a soft-deleted session), still parsed, never concatenated. */
    @Test
    void aFilterOnAJoinedColumn() throws Exception {
        emulator.clearDocuments();
        Instant t0 = Instant.parse("2025-08-01T09:00:00Z");
        load("jf_sessions", "CREATE TABLE jf_sessions (id VARCHAR(16) PRIMARY KEY, owner VARCHAR(16), deleted_at " + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL")
                + ")", List.of(new Object[] {"s1", "alice", null}, new Object[] {"s2", "bob", java.sql.Timestamp.from(t0)}));
        List<Object[]> rows = new ArrayList<>();
        int id = 0;
        for (String sess : List.of("s1", "s2")) {
            rows.add(new Object[] {++id, sess, "user", "q in " + sess, java.sql.Timestamp.from(t0.plusSeconds(id))});
            rows.add(new Object[] {++id, sess, "assistant", "a in " + sess, java.sql.Timestamp.from(t0.plusSeconds(id))});
        }
        load("jf_messages", "CREATE TABLE jf_messages (id INT PRIMARY KEY, session_id VARCHAR(16), role VARCHAR(16), content TEXT, created_at "
                + text("TIMESTAMPTZ", "TIMESTAMP(6) NULL") + ")", rows);
        Path state = Files.createTempDirectory("kinds-joined-filter");
        CliIT.Result r = run("joined-filter", state, "--table", "jf_messages", "--shape", "messages", "--join", "jf_sessions.id=session_id",
                "--column", "conversationId=session_id", "--column", "userId=jf_sessions.owner", "--column", "customerId=",
                "--filter", "jf_sessions.deleted_at IS NULL");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(Map.of("1", new Expected(turn("q in s1", "a in s1"), t0.plusSeconds(1))));
        assertThat(report(state, "joined-filter").get("counts").get("skipped").asLong()).isEqualTo(2);
        CliIT.Result bad = run("joined-filter-bad", Files.createTempDirectory("kinds-joined-filter-bad"), "--table", "jf_messages", "--shape", "messages",
                "--column", "conversationId=session_id", "--column", "customerId=", "--filter", "jf_sessions.deleted_at IS NULL");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("source.filter: column \"jf_sessions.deleted_at\" names table jf_sessions, which is not joined");
    }

    /** A scan of a large table inside a query's CTE is still a scan on every page: estimate warns, whatever nests it. */
    @Test
    void estimateWarnsOfAScanInsideACte() throws Exception {
        String ts = text("TIMESTAMPTZ", "TIMESTAMP(6) NULL");
        exec("DROP TABLE IF EXISTS cte_messages", "CREATE TABLE cte_messages (id INT PRIMARY KEY, conv VARCHAR(16), role VARCHAR(16), body TEXT, "
                + "created_at " + ts + ")");
        exec(db().postgres() ? "SELECT 1" : "SET SESSION max_recursive_iterations = 100000", db().postgres()
                ? "INSERT INTO cte_messages SELECT g, 'c' || (g / 4), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, 'x' || g, "
                + "timestamptz '2025-01-01Z' + g * interval '1 second' FROM generate_series(1, 30000) g"
                : "INSERT INTO cte_messages WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 30000) SELECT n, CONCAT('c', n DIV 4), "
                + "IF(n % 2 = 0, 'user', 'assistant'), CONCAT('x', n), TIMESTAMP '2025-01-01 00:00:00' + INTERVAL n SECOND FROM g",
                db().postgres() ? "ANALYZE cte_messages" : "ANALYZE TABLE cte_messages", db().grant("cte_messages"));
        CliIT.Result e = estimate("--query", "WITH m AS " + (db().postgres() ? "MATERIALIZED " : "") + "(SELECT id, conv, role, body, created_at "
                + "FROM cte_messages) SELECT * FROM m", "--shape", "messages", "--column", "conversationId=conv", "--column", "userId=conv",
                "--column", "customerId=", "--column", "text=body");
        assertThat(e.exit()).as(e.output()).isZero();
        assertThat(e.output()).contains("Warning: the page query would not use an index");
    }
    /** A chat whose JSON has nothing where the messages pointer points (Open WebUI's {}) is skipped as empty_conversation. */
    @Test
    void aChatWithNothingWhereTheMessagesPointerPointsIsAnEmptyConversation() throws Exception {
        emulator.clearDocuments();
        long t0 = 1_740_823_200L;
        String full = Json.write(Map.of("messages", List.of(Map.of("id", "a", "role", "user", "text", "hallo", "ts", t0),
                Map.of("id", "b", "role", "assistant", "text", "welt", "ts", t0 + 1))));
        load("empty_chats", "CREATE TABLE empty_chats (id VARCHAR(16) PRIMARY KEY, owner VARCHAR(16), doc " + text("TEXT", "LONGTEXT") + ")",
                List.of(new Object[] {"e-1", "u", full}, new Object[] {"e-2", "u", "{}"}, new Object[] {"e-3", "u", "{\"messages\": null}"}));
        Path state = Files.createTempDirectory("kinds-empty-chats");
        CliIT.Result r = run("empty-chats", state, "--table", "empty_chats", "--shape", "conversations", "--column", "conversationId=id",
                "--column", "userId=owner", "--column", "customerId=", "--column", "messages=doc#/messages", "--column", "id=/id",
                "--column", "text=/text", "--column", "createdAt=/ts");
        assertThat(r.exit()).as(r.output()).isZero();
        assertArrived(Map.of("e-1/a", new Expected(turn("hallo", "welt"), Instant.ofEpochSecond(t0))));
        JsonNode counts = report(state, "empty-chats").get("counts");
        assertThat(counts.get("skipped").asLong()).as(counts.toString()).isEqualTo(2);
        assertThat(counts.get("failed").asLong()).isZero();
    }
}
