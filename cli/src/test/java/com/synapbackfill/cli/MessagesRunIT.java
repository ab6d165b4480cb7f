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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The message shape end to end on real PostgreSQL, as a user runs it: one row per message, roles that are not the
 * defaults, the text inside JSON parts, an order column that disagrees with the id order, a third of the
 * conversation ids not UUIDs, the user on a joined table, system and tool messages in the middle, leading greetings,
 * consecutive user messages, unanswered last questions, broken messages and a conversation longer than a page.
 * The expected turns are built by the generator from the turns it planned (not by the pairing code): exactly those
 * arrive, once, at their first message's time, with one UUID conversation id per source conversation.
 */
class MessagesRunIT {
    static final int CONVERSATIONS = 1_500;
    static RealParts.Postgres pg;
    static SynapEmulator emulator;
    /** first message id → {document text, instant, source conversation, user} */
    static final Map<String, Object[]> expected = new HashMap<>();
    static long messages;
    static long skippedMessages;
    static final Set<String> broken = new HashSet<>();

    @BeforeAll
    static void setUp() throws Exception {
        pg = RealParts.postgres();
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        Random r = new Random(42);
        record Row(String conv, String speaker, String body, int seq, Instant at) {
        }
        List<Row> rows = new ArrayList<>();
        Map<String, String> owners = new HashMap<>();
        Instant base = Instant.parse("2025-06-01T10:00:00Z");
        for (int c = 0; c < CONVERSATIONS; c++) {
            String conv = c % 3 == 0 ? "legacy-" + c : new UUID(r.nextLong(), r.nextLong()).toString();
            owners.put(conv, "owner-" + (c % 211));
            List<String[]> script = new ArrayList<>(); // speaker, text ("" for broken), or a turn marker
            // planned turns: {user texts, assistant texts}
            int turns = c == 7 ? 300 : 1 + r.nextInt(5);
            boolean greeting = r.nextInt(4) == 0;
            if (greeting) {
                int g = 1 + r.nextInt(2);
                List<String> a = new ArrayList<>();
                for (int k = 0; k < g; k++) a.add("Hello, I am the bot of " + conv + " (" + k + ")");
                script.add(new String[] {"TURN"});
                for (String t : a) script.add(new String[] {"agent", t});
            }
            for (int t = 0; t < turns; t++) {
                script.add(new String[] {"TURN"});
                int users = 1 + (r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0);
                for (int k = 0; k < users; k++) script.add(new String[] {"customer", "Q" + t + "." + k + " in " + conv + " — ünïcödé 😀"});
                if (r.nextInt(5) == 0) script.add(new String[] {r.nextBoolean() ? "system" : "tool", "{\"tool\":\"lookup\"}"});
                if (r.nextInt(7) == 0) script.add(new String[] {r.nextBoolean() ? "customer" : "agent", null}); // broken
                boolean unanswered = t == turns - 1 && r.nextInt(3) == 0;
                int answers = unanswered ? 0 : 1 + (r.nextInt(5) == 0 ? 1 : 0);
                for (int k = 0; k < answers; k++) script.add(new String[] {"agent", "A" + t + "." + k + " for " + conv + "\nwith a second line"});
            }
            if (r.nextInt(6) == 0) script.add(1, new String[] {"system", "You are a helpful assistant"});
            // the generator's own account of the turns, from the script
            int seq = r.nextInt(1000);
            Instant at = base.plusSeconds(c * 600L);
            String first = null;
            List<String> us = new ArrayList<>();
            List<String> as = new ArrayList<>();
            Instant firstAt = null;
            List<Object[]> planned = new ArrayList<>();
            for (String[] s : script) {
                if (s[0].equals("TURN")) {
                    if (first != null) planned.add(new Object[] {first, us, as, firstAt});
                    first = null;
                    us = new ArrayList<>();
                    as = new ArrayList<>();
                    continue;
                }
                seq += 1 + r.nextInt(3); // gaps in the order column
                at = at.plusMillis(1_000 + r.nextInt(5_000));
                String body;
                messages++;
                if (s[1] == null) {
                    body = r.nextBoolean() ? "{\"parts\": 42}" : "{\"parts\": {\"type\": \"text\"}}";
                } else if (s[0].equals("system") || s[0].equals("tool")) {
                    body = "{\"parts\": [{\"type\": \"text\", \"text\": " + Json.write(s[1]) + "}]}";
                    skippedMessages++;
                } else {
                    // the text in parts, beside reasoning and tool parts that are not the message's text
                    body = "{\"parts\": [{\"type\": \"reasoning\", \"text\": \"thinking...\"}, {\"type\": \"text\", \"text\": " + Json.write(s[1])
                            + "}, {\"type\": \"tool-call\", \"args\": {\"q\": 1}}], \"meta\": {\"v\": 2}}";
                }
                rows.add(new Row(conv, s[0], body, seq, at));
                int index = rows.size() - 1;
                if (s[1] == null) {
                    broken.add("row" + index);
                    continue;
                }
                if (s[0].equals("system") || s[0].equals("tool")) continue;
                if (first == null) {
                    first = "row" + index;
                    firstAt = at;
                }
                (s[0].equals("customer") ? us : as).add(s[1]);
            }
            if (first != null) planned.add(new Object[] {first, us, as, firstAt});
            for (Object[] p : planned) {
                @SuppressWarnings("unchecked") List<String> u = (List<String>) p[1];
                @SuppressWarnings("unchecked") List<String> a = (List<String>) p[2];
                String text = !u.isEmpty() && !a.isEmpty() ? "User: " + String.join("\n", u) + "\nAssistant: " + String.join("\n", a)
                        : !u.isEmpty() ? "User: " + String.join("\n", u) : "Assistant: " + String.join("\n", a);
                expected.put((String) p[0], new Object[] {text, p[3], conv, owners.get(conv)});
            }
        }
        // ids in an order that has nothing to do with the conversation's order
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) ids.add(10_000L + i * 3L);
        Collections.shuffle(ids, r);
        Map<String, String> rowIds = new HashMap<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS chat_messages");
                st.execute("DROP TABLE IF EXISTS threads");
                st.execute("CREATE TABLE threads (thread_key text PRIMARY KEY, owner text NOT NULL)");
                st.execute("CREATE TABLE chat_messages (msg_id bigint PRIMARY KEY, thread_key text NOT NULL, speaker text NOT NULL, "
                        + "body jsonb, seq integer NOT NULL, sent_at timestamptz NOT NULL)");
                st.execute("CREATE INDEX chat_messages_thread ON chat_messages (thread_key, seq, msg_id)");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO threads VALUES (?, ?)")) {
                for (var e : owners.entrySet()) {
                    ps.setString(1, e.getKey());
                    ps.setString(2, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_messages VALUES (?, ?, ?, ?::jsonb, ?, ?)")) {
                for (int i = 0; i < rows.size(); i++) {
                    Row row = rows.get(i);
                    rowIds.put("row" + i, Long.toString(ids.get(i)));
                    ps.setLong(1, ids.get(i));
                    ps.setString(2, row.conv());
                    ps.setString(3, row.speaker());
                    ps.setString(4, row.body());
                    ps.setInt(5, row.seq());
                    ps.setObject(6, row.at().atOffset(java.time.ZoneOffset.UTC));
                    ps.addBatch();
                    if (i % 1000 == 999) ps.executeBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE chat_messages");
            }
        }
        // row keys → the ids they were stored with
        Map<String, Object[]> byId = new HashMap<>();
        expected.forEach((k, v) -> byId.put(rowIds.get(k), v));
        expected.clear();
        expected.putAll(byId);
        Set<String> brokenIds = broken.stream().map(rowIds::get).collect(Collectors.toSet());
        broken.clear();
        broken.addAll(brokenIds);
        assertThat(broken).hasSizeGreaterThan(50);
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    /** A new emulator without a rate limit in place of the class's (so the test counts only its own documents); the run's environment. */
    static Map<String, String> freshSynap() {
        emulator.close();
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password());
    }

    static List<String> args(Path state, String runId, String rate) {
        List<String> a = new ArrayList<>(List.of("run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "chat_messages",
                "--shape", "messages", "--column", "id=msg_id", "--column", "conversationId=thread_key", "--column", "role=speaker",
                "--column", "text=body#/parts", "--column", "createdAt=sent_at", "--column", "order=seq",
                "--join", "threads.thread_key=thread_key", "--column", "userId=threads.owner",
                "--user-roles", "customer", "--assistant-roles", "agent",
                "--synap-url", emulator.baseUrl(), "--rate-limit", rate, "--shard-rows", "3000", "--state-dir", state.toString()));
        if (runId != null) a.addAll(List.of("--run-id", runId));
        return a;
    }

    @Test
    void exactlyThePairedTurnsArriveOnceAtTheirFirstMessagesTime() throws Exception {
        Map<String, String> env = freshSynap();
        Path state = Files.createTempDirectory("messages-run");
        CliIT.Result r = CliIT.run(env, args(state, "msg-run", "60000").toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(String.format("message shape: %,d messages read: %,d turns, %,d bad messages, %,d messages skipped",
                messages, expected.size(), broken.size(), skippedMessages));
        assertArrivedExactlyOnce();

        JsonNode counts = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/msg-run/report.json"))).get("counts");
        assertThat(counts.get("messages").asLong()).as("every message read once").isEqualTo(messages);
        assertThat(counts.get("accepted").asLong()).isEqualTo(expected.size());
        assertThat(counts.get("failed").asLong()).as("the broken messages").isEqualTo(broken.size());
        assertThat(counts.get("skipped").asLong()).as("system and tool messages").isEqualTo(skippedMessages);
        List<String> failures = Files.readString(state.resolve("reports/runs/msg-run/failures.jsonl")).lines().toList();
        Set<String> failedIds = new HashSet<>();
        for (String l : failures) {
            JsonNode f = Json.MAPPER.readTree(l);
            failedIds.add(f.get("sourceId").asText());
            assertThat(f.get("errorClass").asText()).isEqualTo("bad_row:unreadable_text");
        }
        assertThat(failedIds).containsExactlyInAnyOrderElementsOf(broken);

        // retry-failures re-reads the messages' conversations and pairs them again: the broken ones are still broken
        CliIT.Result retry = CliIT.run(env, "retry-failures", "msg-run", "--state-dir", state.toString(), "--jdbc-url", pg.jdbcUrl(),
                "--db-user", pg.user());
        assertThat(retry.output()).as(retry.output()).contains(String.format("retried %,d failures: resolved 0", broken.size()))
                .contains(String.format("still failing %,d", broken.size())).containsPattern("bad_row:unreadable_text\\s+" + String.format("%,d", broken.size()));
        assertThat(retry.exit()).as(retry.output()).isZero();

        // the same run again: nothing new arrives
        CliIT.Result again = CliIT.run(env, args(state, "msg-run-2", "60000").toArray(String[]::new));
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(emulator.documents()).hasSize(expected.size());
        assertThat(again.output()).contains("already present " + String.format("%,d", expected.size()));
    }

    @Test
    void aRunKilledMidWayAndContinuedIsStillExactlyOnce() throws Exception {
        Map<String, String> env = freshSynap();
        Path state = Files.createTempDirectory("messages-kill");
        String[] a = args(state, "msg-kill", "600").toArray(String[]::new);
        Process first = CliIT.startAndAwait(emulator, 2_500, env, a);
        first.destroyForcibly().waitFor();
        long before = emulator.stats().accepted();
        assertThat(before).as("killed mid-way").isBetween(1_000L, (long) expected.size() - 1);
        CliIT.Result second = CliIT.run(env, args(state, "msg-kill", "60000").toArray(String[]::new));
        assertThat(second.exit()).as(second.output()).isZero();
        assertArrivedExactlyOnce();
        assertThat(emulator.stats().documentsReceived() - emulator.stats().accepted()).as("continued, not restarted").isLessThan(1_500);
    }

    @Test
    void estimatePairsAsTheRunDoesAndWarnsWhenThePageQueryHasNoIndex() throws Exception {
        List<String> a = new ArrayList<>(args(Files.createTempDirectory("unused"), null, "600"));
        a.set(0, "estimate");
        int state = a.indexOf("--state-dir");
        a.subList(state, state + 2).clear();
        int shardRows = a.indexOf("--shard-rows");
        a.subList(shardRows, shardRows + 2).clear();
        a.addAll(List.of("--sample", "1000000"));
        CliIT.Result r = CliIT.run(Map.of("SOURCE_DB_PASSWORD", pg.password()), a.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("(message shape)").contains(String.format("sampled %,d messages", messages))
                .contains(String.format("%,d conversations: turns %,d", CONVERSATIONS, expected.size()))
                .contains(String.format("skipped %,d messages", skippedMessages)).contains("role:system").contains("role:tool")
                .containsPattern("bad_row:unreadable_text\\s+" + broken.size() + "\\b")
                .contains(String.format("valid %,d turns", expected.size()))
                .containsPattern("run starts with \\d+ workers? on [\\d,]+ shards?")
                .doesNotContain("would not use an index");

        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS chat_messages_plain");
            st.execute("CREATE TABLE chat_messages_plain AS SELECT * FROM chat_messages");
            st.execute("ANALYZE chat_messages_plain");
        }
        a.set(a.indexOf("chat_messages"), "chat_messages_plain");
        a.set(a.indexOf("1000000"), "2000");
        CliIT.Result plain = CliIT.run(Map.of("SOURCE_DB_PASSWORD", pg.password()), a.toArray(String[]::new));
        assertThat(plain.exit()).as(plain.output()).isZero();
        assertThat(plain.output()).contains("Warning: the page query would not use an index")
                .contains("Create one: CREATE INDEX backfill_pages ON \"chat_messages_plain\" (\"thread_key\", \"seq\", \"msg_id\");")
                .contains("Seq Scan on chat_messages_plain sb_m");
        // the hint is SQL the database accepts, and the index it makes serves the pages
        String hint = plain.output().lines().filter(l -> l.contains("Create one: ")).findFirst().orElseThrow();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute(hint.substring(hint.indexOf("CREATE INDEX"), hint.indexOf(';', hint.indexOf("CREATE INDEX"))));
            st.execute("ANALYZE chat_messages_plain");
        }
        CliIT.Result indexed = CliIT.run(Map.of("SOURCE_DB_PASSWORD", pg.password()), a.toArray(String[]::new));
        assertThat(indexed.output()).as(indexed.output()).doesNotContain("would not use an index");
    }

    static void assertArrivedExactlyOnce() throws Exception {
        List<StoredDocument> docs = List.copyOf(emulator.documents());
        Map<String, StoredDocument> bySource = Arrivals.exactlyOnce(docs, expected.keySet());
        Map<String, Set<String>> uuidsOfConversation = new HashMap<>();
        for (var e : expected.entrySet()) {
            StoredDocument d = bySource.get(e.getKey());
            String text = (String) e.getValue()[0];
            assertThat(d.sha256()).as("text of the turn starting at " + e.getKey() + ": " + text)
                    .isEqualTo(Arrivals.sha256(text));
            assertThat(Instant.parse(d.createdAt())).as("time of " + e.getKey()).isEqualTo(e.getValue()[1]);
            assertThat(d.userId()).as("the user from the joined table").isEqualTo(e.getValue()[3]);
            String conversation = d.metadata().get("conversation_id").asText();
            assertThat(UUID.fromString(conversation).toString()).isEqualTo(conversation);
            uuidsOfConversation.computeIfAbsent((String) e.getValue()[2], k -> new HashSet<>()).add(conversation);
            assertThat(d.documentId()).isEqualTo("backfill:" + conversation + ":" + e.getKey());
        }
        assertThat(uuidsOfConversation.values()).allSatisfy(s -> assertThat(s).hasSize(1));
        assertThat(uuidsOfConversation.values().stream().flatMap(Set::stream).distinct().count()).isEqualTo(uuidsOfConversation.size());
    }
}
