package com.synapbackfill.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A table that does not look like the defaults, as most real ones: {@code chat_log(pk, account, chat, pos, prompt,
 * reply, sent_at, deleted_at, consent)} — renamed columns, no customer column, soft deletes and a consent flag —
 * with a read-only login that may only SELECT it. What a run with {@link #FILTER} and the cutover {@link #UNTIL}
 * must do with it is known row by row.
 */
public final class ChatLogFixture {
    /** The filter a run of this table uses. */
    public static final String FILTER = "deleted_at IS NULL AND consent";
    /** The go-live cutover: rows from this instant on are already in Synap. */
    public static final String UNTIL = "2026-05-31T00:00:00Z";
    public static final String READER = "chat_reader";
    public static final String READER_PASSWORD = "reader-Pw-7";
    static final Instant BASE = Instant.parse("2026-05-30T00:00:00Z");

    /**
     * @param rows       rows in the table
     * @param included   ids of the rows the filter and cutover take that can become documents, with their text and time
     * @param skipped    rows the filter or cutover leaves out
     * @param bad        ids of the rows taken whose sent_at is null (bad rows: "sent_at is null")
     */
    public record Loaded(String table, int rows, Map<String, Row> included, int skipped, Set<String> bad) {
    }

    /** What Synap must hold for a row. */
    public record Row(String text, Instant createdAt, String userId) {
    }

    private ChatLogFixture() {
    }

    public static Loaded load(RealParts.Postgres pg, String table, int rows) {
        Map<String, Row> included = new HashMap<>();
        Set<String> bad = new HashSet<>();
        int skipped = 0;
        Instant until = Instant.parse(UNTIL);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + table);
                st.execute("CREATE TABLE " + table + " (pk bigint PRIMARY KEY, account text, chat text, pos int, prompt text, reply text, "
                        + "sent_at timestamptz, deleted_at timestamptz, consent boolean NOT NULL DEFAULT true)");
                st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + READER + "') THEN CREATE ROLE "
                        + READER + " LOGIN PASSWORD '" + READER_PASSWORD + "'; END IF; END $$");
                st.execute("GRANT SELECT ON " + table + " TO " + READER);
                // as on a production database: the reader may read this table and create nothing
                st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= rows; i++) {
                    String prompt = "Frage " + i + " — grüß dich 😀" + (i % 7 == 0 ? "\n\tmit Tab" : "");
                    String reply = "Antwort " + i + " 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \"quoted\" \\ back";
                    Instant sent = i % 101 == 0 ? null : BASE.plusSeconds(60L * i);
                    boolean deleted = i % 13 == 0;
                    boolean consent = i % 17 != 0;
                    ps.setLong(1, i * 3L); // sparse ids
                    ps.setString(2, "acct-" + (i % 37));
                    ps.setString(3, "chat-" + (i / 10));
                    ps.setInt(4, i % 10);
                    ps.setString(5, prompt);
                    ps.setString(6, reply);
                    ps.setObject(7, sent == null ? null : OffsetDateTime.ofInstant(sent, ZoneOffset.UTC));
                    ps.setObject(8, deleted ? OffsetDateTime.ofInstant(BASE, ZoneOffset.UTC) : null);
                    ps.setBoolean(9, consent);
                    ps.addBatch();
                    boolean takes = !deleted && consent && (sent == null || sent.isBefore(until));
                    if (!takes) skipped++;
                    else if (sent == null) bad.add(Long.toString(i * 3L));
                    else included.put(Long.toString(i * 3L), new Row("User: " + prompt + "\nAssistant: " + reply, sent, "acct-" + (i % 37)));
                }
                ps.executeBatch();
            }
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE " + table);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("loading " + table + ": " + e.getMessage(), e);
        }
        return new Loaded(table, rows, Map.copyOf(included), skipped, Set.copyOf(bad));
    }

    /** The database's JDBC URL without the owner's user in it (pgjdbc lets a URL's user override the login's). */
    public static String readerJdbcUrl(RealParts.Postgres pg) {
        int q = pg.jdbcUrl().indexOf('?');
        return q < 0 ? pg.jdbcUrl() : pg.jdbcUrl().substring(0, q);
    }

    /** The CLI's flags for this table's mapping. */
    public static String[] columnFlags() {
        return new String[] {"--column", "id=pk", "--column", "userId=account", "--column", "conversationId=chat", "--column",
                "messageIndex=pos", "--column", "userText=prompt", "--column", "assistantText=reply", "--column", "createdAt=sent_at"};
    }

    /** The mapping as a start event's (or state machine input's) {@code source} object, as JSON. */
    public static String sourceJson(String table) {
        return "{\"table\":\"" + table + "\",\"columns\":{\"id\":\"pk\",\"userId\":\"account\",\"conversationId\":\"chat\","
                + "\"messageIndex\":\"pos\",\"userText\":\"prompt\",\"assistantText\":\"reply\",\"createdAt\":\"sent_at\"},"
                + "\"filter\":\"" + FILTER + "\",\"until\":\"" + UNTIL + "\"}";
    }
}
