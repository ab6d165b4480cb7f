package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.synapbackfill.embedded.EmbeddedMariaDb;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reading cannot write, whatever the login: a query source run by a superuser and by a login that may only SELECT, on
 * PostgreSQL (log_statement = all) and MariaDB (the general log), sends the server nothing but reads, every statement in a
 * transaction begun READ ONLY. Hostile queries are refused before the database is asked, naming the function or
 * construct; a function of the user's that writes (allowed by name, so the parser lets it through), a sequence and a
 * session flipped to read-write by set_config are stopped by the server: no row, sequence value or large object appears.
 */
class ReadOnlyQueryIT {
    static final String SUPER = "ro_super";
    static final String READER = "ro_reader";
    static final String PASSWORD = "ro-Pass-9";
    static final String QUERY = "SELECT id, user_id, conversation_id, message_index, user_text, assistant_text, created_at FROM ro_chats";
    static SynapEmulator emulator;
    static RealParts.Postgres pg;
    static Path pgLog;

    @BeforeAll
    static void start() throws Exception {
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build());
        Path dir = Files.createTempDirectory("pg-statements");
        pgLog = dir.resolve("pg.log");
        pg = RealParts.startPostgresWith(Map.of("logging_collector", "on", "log_directory", dir.toString(), "log_filename", "pg.log",
                "log_statement", "all", "log_line_prefix", "user=%u:"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (emulator != null) emulator.close();
        if (pg != null) pg.server().close();
    }

    @Test
    void postgresSeesNothingButReadsFromASuperuserOrASelectOnlyLogin() throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + SUPER + " SUPERUSER LOGIN PASSWORD '" + PASSWORD + "'");
            st.execute("CREATE ROLE " + READER + " LOGIN PASSWORD '" + PASSWORD + "'");
            st.execute("CREATE TABLE ro_chats (id bigint PRIMARY KEY, user_id text, conversation_id text, message_index int, user_text text, "
                    + "assistant_text text, created_at timestamptz)");
            st.execute("INSERT INTO ro_chats SELECT g, 'u' || (g % 3), 'c-' || (g / 4), g % 4, 'q ' || g, 'a ' || g, "
                    + "timestamptz '2025-01-01Z' + g * interval '1 minute' FROM generate_series(1, 40) g");
            st.execute("CREATE TABLE ro_sink (n int)");
            st.execute("CREATE SEQUENCE ro_seq");
            st.execute("CREATE FUNCTION ro_write() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ro_sink VALUES (1); RETURN 1; END $$");
            st.execute("GRANT SELECT ON ro_chats TO " + READER);
            // so that only the read-only transaction stands between the reader and a write
            st.execute("GRANT INSERT ON ro_sink TO " + READER);
            st.execute("GRANT USAGE, UPDATE ON SEQUENCE ro_seq TO " + READER);
        }
        for (String login : List.of(SUPER, READER)) {
            String url = pg.jdbcUrl().replaceFirst("user=[^&]*&?", "").replaceFirst("password=[^&]*&?", "");
            Map<String, String> env = env();
            // a plain read: it runs, and the server saw only reads from this login
            runAndCheck(login, url, env, "pg-" + login, QUERY);
            // refused before the database is asked, naming what
            refusedBeforeAsking(login, url, env, "SELECT set_config('default_transaction_read_only', 'off', false) AS x, * FROM ro_chats", "set_config()");
            refusedBeforeAsking(login, url, env, "SELECT lo_from_bytea(0, convert_to(user_text, 'UTF8')) AS lo, * FROM ro_chats", "lo_from_bytea()");
            refusedBeforeAsking(login, url, env, "SELECT nextval('ro_seq') AS n, * FROM ro_chats", "nextval()");
            refusedBeforeAsking(login, url, env, "SELECT pg_read_file('/etc/hostname') AS f, * FROM ro_chats", "pg_read_file()");
            refusedBeforeAsking(login, url, env, "SELECT $$'$$ AS x, * FROM ro_chats; DELETE FROM ro_chats; SELECT '1'", "two statements");
            // let through by name, stopped by the server: the transaction is READ ONLY whatever the query does to the session
            stoppedByTheServer(login, url, env, "SELECT ro_write() AS w, * FROM ro_chats", "ro_write", "read-only transaction");
            stoppedByTheServer(login, url, env, "SELECT nextval('ro_seq') AS n, * FROM ro_chats", "nextval", "read-only transaction");
            stoppedByTheServer(login, url, env, "SELECT set_config('default_transaction_read_only', 'off', false) AS s, ro_write() AS w, * FROM ro_chats",
                    "set_config,ro_write", "read-only transaction");
            stoppedByTheServer(login, url, env, "SELECT lo_from_bytea(0, convert_to(user_text, 'UTF8')) AS lo, * FROM ro_chats", "lo_from_bytea",
                    "read-only transaction");
        }
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            assertThat(count(st, "SELECT count(*) FROM ro_sink")).as("rows written").isZero();
            assertThat(count(st, "SELECT count(*) FROM pg_largeobject_metadata")).as("large objects").isZero();
            try (ResultSet rs = st.executeQuery("SELECT is_called FROM ro_seq")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("the sequence never moved").isFalse();
            }
            assertThat(count(st, "SELECT count(*) FROM ro_chats")).isEqualTo(40);
        }
        List<String> statements = pgStatements();
        for (String login : List.of(SUPER, READER)) {
            List<String> mine = statements.stream().filter(s -> s.startsWith(login + "|")).map(s -> s.substring(login.length() + 1)).toList();
            assertThat(mine).as(login + " reached the server").isNotEmpty();
            assertThat(mine).as("what " + login + " sent").allSatisfy(ReadOnlyQueryIT::isARead);
            assertThat(mine).as(login + ": every transaction begun READ ONLY").noneMatch(s -> s.trim().equalsIgnoreCase("BEGIN"))
                    .anyMatch(s -> s.trim().equalsIgnoreCase("BEGIN READ ONLY"));
            assertThat(String.join("\n", mine)).as(login + ": the refused queries never reached the server").doesNotContain("pg_read_file")
                    .doesNotContain("DELETE FROM ro_chats");
        }
    }

    @Test
    void mariaDbSeesNothingButReadsFromASuperuserOrASelectOnlyLogin() throws Exception {
        EmbeddedMariaDb maria = RealParts.mariaDb();
        Path log = Files.createTempDirectory("maria-general").resolve("general.log");
        try (Connection c = DriverManager.getConnection(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD);
             Statement st = c.createStatement()) {
            for (String u : List.of(SUPER, READER)) st.execute("DROP USER IF EXISTS '" + u + "'@'%'");
            st.execute("CREATE USER '" + SUPER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("GRANT ALL ON *.* TO '" + SUPER + "'@'%'");
            st.execute("CREATE USER '" + READER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("DROP TABLE IF EXISTS ro_chats");
            st.execute("DROP TABLE IF EXISTS ro_sink");
            st.execute("DROP FUNCTION IF EXISTS ro_write");
            st.execute("CREATE TABLE ro_chats (id BIGINT PRIMARY KEY, user_id VARCHAR(16), conversation_id VARCHAR(16), message_index INT, "
                    + "user_text LONGTEXT, assistant_text LONGTEXT, created_at TIMESTAMP(6) NULL)");
            for (int g = 1; g <= 40; g++)
                st.execute("INSERT INTO ro_chats VALUES (" + g + ", 'u" + g % 3 + "', 'c-" + g / 4 + "', " + g % 4 + ", 'q " + g + "', 'a " + g
                        + "', TIMESTAMP '2025-01-01 00:00:00' + INTERVAL " + g + " MINUTE)");
            st.execute("CREATE TABLE ro_sink (n INT)");
            st.execute("CREATE FUNCTION ro_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO ro_sink VALUES (1); RETURN 1; END");
            st.execute("GRANT SELECT ON " + EmbeddedMariaDb.DATABASE + ".ro_chats TO '" + READER + "'@'%'");
            st.execute("GRANT INSERT ON " + EmbeddedMariaDb.DATABASE + ".ro_sink TO '" + READER + "'@'%'");
            st.execute("GRANT EXECUTE ON FUNCTION " + EmbeddedMariaDb.DATABASE + ".ro_write TO '" + READER + "'@'%'");
            st.execute("SET GLOBAL log_output = 'FILE'");
            st.execute("SET GLOBAL general_log_file = '" + log + "'");
            st.execute("SET GLOBAL general_log = 1");
        }
        try {
            for (String login : List.of(SUPER, READER)) {
                Map<String, String> env = env();
                for (String url : List.of(maria.jdbcUrl(), maria.mysqlJdbcUrl())) {
                    String tag = url.startsWith("jdbc:mysql") ? "connectorj" : "mariadb";
                    runAndCheck(login, url, env, "maria-" + tag + "-" + login, QUERY);
                    stoppedByTheServer(login, url, env, "SELECT ro_write() AS w, ro_chats.* FROM ro_chats", "ro_write", "READ ONLY");
                }
                refusedBeforeAsking(login, maria.jdbcUrl(), env, "SELECT id FROM ro_chats INTO OUTFILE '/tmp/ro-chats.csv'", "INTO OUTFILE");
                refusedBeforeAsking(login, maria.jdbcUrl(), env, "SELECT 'a\\' AS x, ro_chats.* FROM ro_chats; DELETE FROM ro_chats; -- '",
                        "two statements");
                refusedBeforeAsking(login, maria.jdbcUrl(), env, "SELECT load_file('/etc/hostname') AS f, ro_chats.* FROM ro_chats", "load_file()");
                refusedBeforeAsking(login, maria.jdbcUrl() + "?allowMultiQueries=true", env, QUERY, "allowMultiQueries");
            }
        } finally {
            try (Connection c = DriverManager.getConnection(maria.jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD);
                 Statement st = c.createStatement()) {
                st.execute("SET GLOBAL general_log = 0");
                assertThat(count(st, "SELECT count(*) FROM ro_sink")).as("rows written").isZero();
                assertThat(count(st, "SELECT count(*) FROM ro_chats")).isEqualTo(40);
            }
        }
        assertThat(Path.of("/tmp/ro-chats.csv")).doesNotExist();
        Map<String, List<String>> byUser = mariaStatements(log);
        for (String login : List.of(SUPER, READER)) {
            List<String> mine = byUser.getOrDefault(login, List.of());
            assertThat(mine).as(login + " reached the server").isNotEmpty();
            assertThat(mine).as("what " + login + " sent").allSatisfy(ReadOnlyQueryIT::isARead);
            assertThat(mine).as(login + ": pages in transactions begun READ ONLY")
                    .anyMatch(s -> s.toUpperCase(Locale.ROOT).startsWith("START TRANSACTION READ ONLY"));
            assertThat(String.join("\n", mine)).doesNotContain("load_file").doesNotContain("OUTFILE").doesNotContain("DELETE FROM ro_chats");
        }
    }

    static Map<String, String> env() {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", PASSWORD);
    }

    /** estimate and run with {@code query}: both succeed, and every row arrives. */
    static void runAndCheck(String login, String url, Map<String, String> env, String runId, String query) throws Exception {
        CliIT.Result e = CliIT.run(env, "estimate", "--jdbc-url", url, "--db-user", login, "--query", query, "--column", "customerId=");
        assertThat(e.exit()).as(e.output()).isZero();
        emulator.clearDocuments();
        CliIT.Result r = CliIT.run(env, "run", "--jdbc-url", url, "--db-user", login, "--query", query, "--column", "customerId=",
                "--synap-url", emulator.baseUrl(), "--rate-limit", "60000", "--run-id", runId, "--state-dir",
                Files.createTempDirectory("ro-run").toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(emulator.documents()).hasSize(40);
    }

    /** Refused with exit 2 before a connection is opened, the message naming {@code what}. */
    static void refusedBeforeAsking(String login, String url, Map<String, String> env, String query, String what) throws Exception {
        CliIT.Result e = CliIT.run(env, "estimate", "--jdbc-url", url, "--db-user", login, "--query", query, "--column", "customerId=");
        assertThat(e.exit()).as(e.output()).isEqualTo(2);
        assertThat(e.output()).contains(what);
    }

    /** Let through by --allow-function, refused by the server: the run cannot start, and the server says why. */
    static void stoppedByTheServer(String login, String url, Map<String, String> env, String query, String allow, String said) throws Exception {
        List<String> args = new ArrayList<>(List.of("estimate", "--jdbc-url", url, "--db-user", login, "--query", query, "--column", "customerId="));
        for (String f : allow.split(",")) args.addAll(List.of("--allow-function", f));
        CliIT.Result e = CliIT.run(env, args.toArray(String[]::new));
        assertThat(e.exit()).as(e.output()).isNotZero();
        assertThat(e.output()).containsIgnoringCase(said);
    }

    /** Whether a statement as the server logged it only reads (or starts, ends or sets up a read-only session). */
    static boolean isARead(String sql) {
        String s = sql.replaceAll("(?s)^\\s*(/\\*.*?\\*/\\s*)+", "").trim().toUpperCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("COMMIT") || s.equals("ROLLBACK") || s.equals("BEGIN READ ONLY") || s.startsWith("START TRANSACTION READ ONLY"))
            return true;
        if (s.startsWith("SET ")) return !s.contains("READ WRITE") && !s.matches(".*READ_ONLY\\s*=\\s*(OFF|0|FALSE).*");
        if (s.startsWith("SELECT") || s.startsWith("SHOW") || s.startsWith("EXPLAIN") || s.startsWith("WITH"))
            return !s.matches("(?s).*\\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|DROP|ALTER|CREATE|GRANT)\\b.*");
        return false;
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * PostgreSQL's log (log_statement = all, prefix {@code user=NAME:}): each statement as {@code user|SQL}. A marker statement
     * is logged last and waited for, so everything logged before it is in the file.
     */
    private static List<String> pgStatements() throws Exception {
        String marker = "ro-marker-" + System.nanoTime();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("SELECT '" + marker + "'");
        }
        await("the server's log holds the marker").atMost(Duration.ofMinutes(1))
                .until(() -> Files.exists(pgLog) && Files.readString(pgLog, StandardCharsets.UTF_8).contains(marker));
        // (the prefix holds no shell character: the embedded server is started through one)
        Pattern line = Pattern.compile("^user=([^:\\s]*):(?:LOG|ERROR|STATEMENT):\\s+(?:statement: |execute [^:]*: )?(.*)$");
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(pgLog, StandardCharsets.UTF_8)) {
            Matcher m = line.matcher(l);
            if (m.matches() && (l.contains("statement: ") || l.contains("execute "))) out.add(m.group(1) + "|" + m.group(2));
        }
        return out;
    }

    /** MariaDB's general log: the statements of each user (a thread's Connect line names its user). */
    private static Map<String, List<String>> mariaStatements(Path log) throws Exception {
        Pattern entry = Pattern.compile("^(?:\\d{6}\\s+\\d{1,2}:\\d{2}:\\d{2})?\\s+(\\d+)\\s+(Connect|Query|Execute|Prepare|Quit|Init DB|Close stmt|Field List)\\t?(.*)$");
        Map<String, String> userOf = new java.util.HashMap<>();
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = entry.matcher(l);
            if (!m.matches()) continue;
            String thread = m.group(1);
            if (m.group(2).equals("Connect")) {
                userOf.put(thread, m.group(3).trim().replaceFirst("@.*", ""));
            } else if (m.group(2).equals("Query") || m.group(2).equals("Execute") || m.group(2).equals("Prepare")) {
                String user = userOf.get(thread);
                if (user != null) out.computeIfAbsent(user, k -> new ArrayList<>()).add(m.group(3).trim());
            }
        }
        return out;
    }
}
