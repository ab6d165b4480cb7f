package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.EmbeddedMariaDb;
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
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A MySQL-family source end to end, as a user runs it: 30,000 rows on a real MariaDB with renamed columns,
 * hard Unicode, 50 KB texts, DATETIME wall clocks in New York, soft deletes and a few broken rows, backfilled
 * by {@code backfill run --jdbc-url jdbc:mariadb:...}. Every row the filter takes arrives once, byte-exact,
 * at its instant; broken rows are failure rows with their reason; a second run sends nothing.
 */
class MySqlRunIT {
    static final int ROWS = 30_000;
    static final ZoneId ZONE = ZoneId.of("America/New_York");
    static final String[] HARD = {
            "Emoji 😀🎂👩‍👩‍👧‍👦🏳️‍🌈 and skin tones 👍🏽",
            "Mathematical 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝒮𝒸𝓇𝒾𝓅𝓉, CJK 家族 漢字 𠜎𠜱 (beyond the BMP)",
            "Combining e\u0301 vs é, Hangul 한국어, Thai ภาษาไทย",
            "RTL עברית ‏العربية‎ \u202Eoverride\u202C",
            "Quotes \"double\" 'single' `back` \\ backslash \t tab\nnewline\r\nCRLF",
            "Zero-width \u200B joiner\u200D and BOM \uFEFF inside",
    };
    static EmbeddedMariaDb maria;
    static SynapEmulator emulator;
    /** source row id → the document text Synap must hold, and its instant */
    static final Map<String, Object[]> expected = new HashMap<>();
    static final Set<String> broken = new TreeSet<>();
    static int skipped;
    static int zeroDates;

    @BeforeAll
    static void setUp() throws Exception {
        maria = RealParts.mariaDb();
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
        Random r = new Random(17);
        LocalDateTime base = LocalDateTime.parse("2025-01-01T08:00:00");
        try (Connection c = DriverManager.getConnection(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD)) {
            try (Statement st = c.createStatement()) {
                st.execute("SET SESSION sql_mode = ''"); // zero dates, as old MySQL data has them
                st.execute("DROP TABLE IF EXISTS chat_history");
                st.execute("CREATE TABLE chat_history (msg_id BIGINT NOT NULL PRIMARY KEY, author VARCHAR(64), thread VARCHAR(64), "
                        + "seq INT, asked LONGTEXT, answered MEDIUMTEXT, happened_at DATETIME(6), removed TINYINT(1) NOT NULL DEFAULT 0) "
                        + "ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= ROWS; i++) {
                    String id = Long.toString(1_000_000L + i * 7L);
                    String asked = HARD[r.nextInt(HARD.length)] + " #" + i;
                    String answered = i % 500 == 0 ? "Long: " + "𝔘ñí¢ødé 😀 ".repeat(3_000) : HARD[r.nextInt(HARD.length)] + " — answer " + i;
                    // wall clocks spread over a year (both DST changes), seconds with microseconds
                    LocalDateTime at = base.plusMinutes(17L * i).plusNanos((i % 1000) * 1000L);
                    boolean removed = i % 11 == 0;
                    String when = f.format(at);
                    String brokenAs = null;
                    if (i % 2_503 == 0) {
                        when = "0000-00-00 00:00:00.000000";
                        brokenAs = "timestamp";
                    } else if (i % 2_711 == 0) {
                        asked = "   ";
                        answered = null;
                        brokenAs = "empty";
                    }
                    ps.setLong(1, Long.parseLong(id));
                    ps.setString(2, "user-" + (i % 97));
                    ps.setString(3, "thread-" + (i / 8));
                    ps.setInt(4, i % 8);
                    ps.setString(5, asked);
                    ps.setString(6, answered);
                    ps.setString(7, when);
                    ps.setBoolean(8, removed);
                    ps.addBatch();
                    if (i % 500 == 0) ps.executeBatch();
                    if (removed) skipped++;
                    else if (brokenAs != null) {
                        broken.add(id);
                        if (brokenAs.equals("timestamp")) zeroDates++;
                    }
                    else {
                        // DATETIME has no zone: the run reads it in --timestamp-zone
                        Instant instant = at.atZone(ZONE).toInstant();
                        expected.put(id, new Object[] {"User: " + asked + "\nAssistant: " + answered, instant, "user-" + (i % 97)});
                    }
                }
                ps.executeBatch();
            }
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE TABLE chat_history");
            }
        }
        assertThat(broken).hasSizeGreaterThan(15);
    }

    @AfterAll
    static void tearDown() {
        emulator.close();
    }

    @Test
    void aMariaDbTableArrivesWholeOnceByteExactAtItsInstants() throws Exception {
        Path state = Files.createTempDirectory("mysql-run");
        Map<String, String> env = Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", EmbeddedMariaDb.PASSWORD);
        List<String> args = new ArrayList<>(List.of("run", "--jdbc-url", maria.jdbcUrl(), "--db-user", EmbeddedMariaDb.USER,
                "--table", "chat_history", "--column", "id=msg_id", "--column", "userId=author", "--column", "conversationId=thread",
                "--column", "messageIndex=seq", "--column", "userText=asked", "--column", "assistantText=answered",
                "--column", "createdAt=happened_at", "--filter", "removed = 0", "--timestamp-zone", ZONE.getId(),
                "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--shard-rows", "4000", "--run-id", "mysql-run",
                "--state-dir", state.toString()));
        CliIT.Result r = CliIT.run(env, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(String.format("skipped %,d", skipped));

        List<StoredDocument> docs = List.copyOf(emulator.documents());
        Map<String, StoredDocument> bySource = Arrivals.exactlyOnce(docs, expected.keySet());
        for (var e : expected.entrySet()) {
            StoredDocument d = bySource.get(e.getKey());
            String text = (String) e.getValue()[0];
            assertThat(d.sha256()).as("text of row " + e.getKey()).isEqualTo(Arrivals.sha256(text));
            assertThat(Instant.parse(d.createdAt())).as("time of row " + e.getKey()).isEqualTo(e.getValue()[1]);
            assertThat(d.userId()).isEqualTo(e.getValue()[2]);
        }
        assertThat(docs.stream().mapToInt(StoredDocument::textBytes).max().orElse(0)).as("the 50 KB texts").isGreaterThan(50_000);

        JsonNode counts = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/mysql-run/report.json"))).get("counts");
        assertThat(counts.get("rowsRead").asLong()).isEqualTo(ROWS);
        assertThat(counts.get("accepted").asLong()).isEqualTo(expected.size());
        assertThat(counts.get("failed").asLong()).isEqualTo(broken.size());
        List<String> failures = Files.readString(state.resolve("reports/runs/mysql-run/failures.jsonl")).lines().toList();
        assertThat(failures).hasSize(broken.size());
        Map<String, String> reasons = new HashMap<>();
        for (String l : failures) {
            JsonNode f = Json.MAPPER.readTree(l);
            reasons.put(f.get("sourceId").asText(), f.get("errorClass").asText());
        }
        assertThat(reasons.keySet()).containsExactlyInAnyOrderElementsOf(broken);
        assertThat(reasons.values()).containsOnly("bad_row:missing_timestamp", "bad_row:empty_text")
                .contains("bad_row:missing_timestamp", "bad_row:empty_text");

        // the hints are ready to paste: they name the state directory and the source, never the password
        java.util.regex.Matcher hint = java.util.regex.Pattern.compile("`(backfill failures [^`]+)`").matcher(r.output());
        assertThat(hint.find()).as(r.output()).isTrue();
        assertThat(hint.group(1)).isEqualTo("backfill failures mysql-run --state-dir " + state);
        assertThat(r.output()).contains("`backfill retry-failures mysql-run --state-dir " + state + " --jdbc-url " + maria.jdbcUrl()
                + " --db-user " + EmbeddedMariaDb.USER + "`").doesNotContain(EmbeddedMariaDb.PASSWORD);
        List<String> pasted = new ArrayList<>(List.of(hint.group(1).split(" ")));
        pasted.remove(0);
        CliIT.Result listed = CliIT.run(env, pasted.toArray(String[]::new));
        assertThat(listed.exit()).as(listed.output()).isZero();
        assertThat(listed.output()).contains(broken.iterator().next());

        // resume and retry-failures without --synap-url continue against the Synap the run was started on, not production
        for (String cmd : List.of("resume", "retry-failures")) {
            CliIT.Result again = CliIT.run(env, cmd, "mysql-run", "--state-dir", state.toString(), "--jdbc-url", maria.jdbcUrl(),
                    "--db-user", EmbeddedMariaDb.USER);
            assertThat(again.output()).as(cmd).contains("Synap: " + emulator.baseUrl() + " (recorded with run mysql-run; --synap-url overrides)")
                    .doesNotContain("cannot reach Synap");
            assertThat(again.exit()).as(again.output()).isZero();
        }

        // the same run again: nothing new is sent
        long received = emulator.stats().documentsReceived();
        CliIT.Result again = CliIT.run(env, args.toArray(String[]::new));
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(emulator.stats().documentsReceived()).isEqualTo(received);
        assertThat(emulator.documents()).hasSize(expected.size());
    }

    @Test
    void estimateTakesTheSameMappingAndFilterAndCountsWhatTheRunWould() throws Exception {
        CliIT.Result r = CliIT.run(Map.of("SOURCE_DB_PASSWORD", EmbeddedMariaDb.PASSWORD), "estimate", "--jdbc-url", maria.mysqlJdbcUrl(),
                "--db-user", EmbeddedMariaDb.USER, "--table", "chat_history", "--column", "id=msg_id", "--column", "userId=author",
                "--column", "conversationId=thread", "--column", "messageIndex=seq", "--column", "userText=asked",
                "--column", "assistantText=answered", "--column", "createdAt=happened_at", "--filter", "removed = 0",
                "--timestamp-zone", ZONE.getId(), "--sample", "40000");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(String.format("sampled %,d rows", ROWS)).contains(String.format("skipped %,d", skipped))
                .containsPattern("bad_row:missing_timestamp\\s+" + zeroDates + "\\b")
                .containsPattern("bad_row:empty_text\\s+" + (broken.size() - zeroDates) + "\\b")
                .contains(String.format("valid %,d", expected.size()));
    }

    @Test
    void aWrongPasswordIsAConfigurationErrorNamingTheVariableAndAnUnreachableDatabaseSaysWhatToDo() throws Exception {
        Path state = Files.createTempDirectory("mysql-auth");
        CliIT.Result wrong = CliIT.run(Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", "not-the-Pw-42"),
                "run", "--jdbc-url", maria.jdbcUrl(), "--db-user", EmbeddedMariaDb.USER, "--table", "chat_history",
                "--synap-url", emulator.baseUrl(), "--run-id", "auth-run", "--state-dir", state.toString());
        assertThat(wrong.exit()).as(wrong.output()).isEqualTo(2);
        assertThat(wrong.output()).contains("SOURCE_DB_PASSWORD: the database refused user " + EmbeddedMariaDb.USER + " (28000)")
                .doesNotContain("Exception").doesNotContain("not-the-Pw-42");
        try (var files = Files.list(state)) {
            assertThat(files.toList()).as("the source is checked before any part of the run starts").isEmpty();
        }
        CliIT.Result down = CliIT.run(Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", "x"),
                "run", "--jdbc-url", "jdbc:mariadb://127.0.0.1:1/app", "--db-user", "u", "--table", "chat_history",
                "--synap-url", emulator.baseUrl(), "--run-id", "down-run", "--state-dir", state.toString());
        assertThat(down.exit()).as(down.output()).isEqualTo(1);
        assertThat(down.output()).contains("SOURCE_JDBC_URL: cannot connect to the source database").contains("run the same command again")
                .doesNotContain("RetryableException");
    }
}
