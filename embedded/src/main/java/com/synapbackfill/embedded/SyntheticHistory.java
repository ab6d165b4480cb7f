package com.synapbackfill.embedded;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A realistic, seeded chat history for the demo, tests and benchmarks: users in customers, conversations of
 * varying length over the last 12 months, several languages and emoji, one-sided turns, non-UUID
 * conversation ids, long texts, and a configurable number of bad rows of each kind. Loaded with COPY into
 * PostgreSQL, with batched INSERTs into MySQL/MariaDB (a {@code jdbc:mysql:} or {@code jdbc:mariadb:} URL).
 * The same options and seed always give the same rows on either.
 */
public final class SyntheticHistory {
    /** Bad-row kinds, named as the project's failure error classes ({@code bad_row:<kind>}). */
    public static final List<String> BAD_KINDS = List.of("empty_text", "missing_timestamp", "missing_user_id",
            "missing_conversation_id", "missing_message_index", "document_too_large");

    /** How ids are laid out. */
    public enum IdLayout { DENSE, SPARSE, SKEWED, NEGATIVE_AND_MAX }

    /** Type of the id column. */
    public enum IdKind {
        BIGINT,
        /** PostgreSQL uuid; MySQL BINARY(16) */
        UUID,
        TEXT,
        /** UUID values in a text column (MySQL CHAR(36)) */
        UUID_TEXT
    }

    /**
     * @param rows              total rows (bad ones included)
     * @param badRowsPerKind    rows of each bad kind
     * @param seed              generator seed
     * @param idKind            id column type
     * @param idLayout          bigint id layout
     * @param timestampWithZone timestamptz (true) or timestamp without zone (false)
     * @param oversizeBytes     size of a document_too_large row's text
     * @param longTextEvery     every n-th valid row gets a long (but valid) text; 0 = none
     */
    public record Options(int rows, int badRowsPerKind, long seed, IdKind idKind, IdLayout idLayout,
                          boolean timestampWithZone, int oversizeBytes, int longTextEvery) {
        public static Options of(int rows) {
            return new Options(rows, Math.max(0, Math.min(30, rows / 500)), 7, IdKind.BIGINT, IdLayout.DENSE, true,
                    300_000, 997);
        }

        public Options withBadRowsPerKind(int n) { return new Options(rows, n, seed, idKind, idLayout, timestampWithZone, oversizeBytes, longTextEvery); }
        public Options withSeed(long s) { return new Options(rows, badRowsPerKind, s, idKind, idLayout, timestampWithZone, oversizeBytes, longTextEvery); }
        public Options withIds(IdKind k, IdLayout l) { return new Options(rows, badRowsPerKind, seed, k, l, timestampWithZone, oversizeBytes, longTextEvery); }
        public Options withTimestampWithZone(boolean z) { return new Options(rows, badRowsPerKind, seed, idKind, idLayout, z, oversizeBytes, longTextEvery); }
    }

    /**
     * What was loaded.
     *
     * @param rows      rows loaded
     * @param badByKind bad-row kind → ids of those rows
     * @param validRows rows expected to become documents
     */
    public record Loaded(String table, int rows, Map<String, List<String>> badByKind, int validRows) {
        public int badRows() {
            return badByKind.values().stream().mapToInt(List::size).sum();
        }
    }

    private static final String[][] PHRASES = {
            {"I switched to oat milk last week.", "Noted — I'll suggest oat-milk options from now on."},
            {"Can you remind me what my refund status is?", "Your refund for order #4411 was approved on Tuesday."},
            {"Ich brauche eine Rechnung für März.", "Die Rechnung für März ist unterwegs an Ihre E-Mail."},
            {"¿Puedes cambiar mi plan al anual?", "Hecho: tu plan ahora es anual, con 2 meses gratis."},
            {"我下周要去上海出差。", "好的，我会记住你下周在上海。需要酒店推荐吗？"},
            {"アレルギーはピーナッツです。", "承知しました。ピーナッツを含まないレシピだけを提案します。"},
            {"אני מעדיף פגישות בבוקר.", "הבנתי, אקבע פגישות לפני הצהריים."},
            {"My daughter's birthday is on the 14th 🎂🎉", "Lovely! I'll remind you on the 12th so there's time for a gift 🎁"},
            {"Use \"quotes\" and back\\slashes\tand tabs.", "Sure: \"done\" — with a newline\nin the middle."},
            {"Café crème, naïve façade, coöperate, Zürich.", "Ça marche — crème brûlée noted for Friday."},
            {"The deploy failed with exit code 137.", "137 usually means the container was OOM-killed; raise the memory limit."},
            {"Please stop sending weekly digests.", "Done. You'll only get monthly summaries now 📬"},
    };

    private SyntheticHistory() {
    }

    /** Creates (or replaces) {@code table} and loads it. */
    public static Loaded load(String jdbcUrl, String user, String password, String table, Options o) {
        Map<String, List<String>> bad = new LinkedHashMap<>();
        for (String k : BAD_KINDS) bad.put(k, new ArrayList<>());
        List<String[]> rows = new ArrayList<>(o.rows());
        generate(o, bad, rows::add);
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            if (jdbcUrl.startsWith("jdbc:postgresql:")) loadPostgres(c, table, o, rows);
            else loadMySql(c, table, o, rows);
            int badCount = bad.values().stream().mapToInt(List::size).sum();
            return new Loaded(table, o.rows(), bad, o.rows() - badCount);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("could not load synthetic history into " + table + ": " + e.getMessage(), e);
        }
    }

    private static void loadPostgres(Connection c, String table, Options o, List<String[]> rows) throws SQLException, IOException {
        String idType = switch (o.idKind()) {
            case BIGINT -> "bigint";
            case UUID -> "uuid";
            case TEXT, UUID_TEXT -> "text";
        };
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table + " CASCADE");
            st.execute("CREATE TABLE " + table + " (id " + idType + " PRIMARY KEY, user_id text, customer_id text, "
                    + "conversation_id text, message_index integer, user_text text, assistant_text text, created_at "
                    + (o.timestampWithZone() ? "timestamptz" : "timestamp") + ")");
        }
        StringBuilder copy = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) field(copy, row[i]).append(i == row.length - 1 ? '\n' : '\t');
        }
        CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
        cm.copyIn("COPY " + table + " FROM STDIN", new StringReader(copy.toString()));
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE " + table);
        }
    }

    /** MySQL/MariaDB: TIMESTAMP(6) (UTC session) or DATETIME(6) holding the UTC wall clock, utf8mb4 LONGTEXT. */
    private static void loadMySql(Connection c, String table, Options o, List<String[]> rows) throws SQLException {
        String idType = switch (o.idKind()) {
            case BIGINT -> "BIGINT";
            case UUID -> "BINARY(16)";
            case TEXT -> "VARCHAR(64)";
            case UUID_TEXT -> "CHAR(36)";
        };
        try (Statement st = c.createStatement()) {
            st.execute("SET time_zone = '+00:00'");
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id " + idType + " PRIMARY KEY, user_id VARCHAR(255), customer_id VARCHAR(255), "
                    + "conversation_id VARCHAR(255), message_index INT, user_text LONGTEXT, assistant_text LONGTEXT, created_at "
                    + (o.timestampWithZone() ? "TIMESTAMP(6) NULL" : "DATETIME(6) NULL") + ") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        String idParam = o.idKind() == IdKind.UUID ? "UNHEX(REPLACE(?, '-', ''))" : "?";
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (" + idParam + ", ?, ?, ?, ?, ?, ?, ?)")) {
            int n = 0;
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    String v = row[i];
                    if (i == 7 && v != null) v = v.replace('T', ' ').replace("Z", ""); // ISO → 'yyyy-MM-dd HH:mm:ss[.f]'
                    if (i == 4 && v != null) ps.setInt(5, Integer.parseInt(v));
                    else ps.setString(i + 1, v);
                }
                ps.addBatch();
                if (++n % 500 == 0) ps.executeBatch();
            }
            ps.executeBatch();
            c.commit();
        } finally {
            c.setAutoCommit(auto);
        }
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE TABLE " + table);
        }
    }

    private static void generate(Options o, Map<String, List<String>> bad, java.util.function.Consumer<String[]> out) {
        Random r = new Random(o.seed());
        int users = Math.max(3, o.rows() / 120);
        int customers = Math.max(2, users / 8);
        Instant end = Instant.parse("2026-11-01T00:00:00Z");
        long span = ChronoUnit.SECONDS.between(end.minus(365, ChronoUnit.DAYS), end);
        // positions of bad rows: spread through the table
        int totalBad = Math.min(o.rows(), o.badRowsPerKind() * BAD_KINDS.size());
        Map<Integer, String> badAt = new LinkedHashMap<>();
        for (int i = 0; i < totalBad; i++) {
            int pos = (int) ((long) (i + 1) * o.rows() / (totalBad + 1));
            while (badAt.containsKey(pos)) pos = (pos + 1) % o.rows();
            badAt.put(pos, BAD_KINDS.get(i % BAD_KINDS.size()));
        }
        int row = 0;
        while (row < o.rows()) {
            int user = r.nextInt(users);
            String userId = "u-" + user;
            String customerId = "c-" + (user % customers);
            int len = 1 + (int) Math.min(40, Math.abs(r.nextGaussian() * 8));
            boolean uuidConversation = r.nextInt(10) != 0; // 10% of conversation ids are not UUIDs
            String conv = uuidConversation ? new UUID(r.nextLong(), r.nextLong()).toString() : "conv-" + r.nextInt(1_000_000_000);
            long t = r.nextLong(span);
            for (int m = 0; m < len && row < o.rows(); m++, row++) {
                String id = id(o, row, r);
                String[] p = PHRASES[r.nextInt(PHRASES.length)];
                String u = p[0];
                String a = p[1];
                int shape = r.nextInt(20);
                if (shape == 0) u = null;        // assistant-only turn
                else if (shape == 1) a = null;   // user-only turn
                if (o.longTextEvery() > 0 && row % o.longTextEvery() == 5) a = "Long answer: " + "lorem ipsum 😀 ".repeat(2000);
                Instant created = end.minus(span, ChronoUnit.SECONDS).plusSeconds(t + m * 37L);
                String ts = o.timestampWithZone() ? created.toString()
                        : LocalDateTime.ofInstant(created, ZoneOffset.UTC).toString();
                String uid = userId;
                String cid = conv;
                Integer idx = m;
                String kind = badAt.get(row);
                if (kind != null) {
                    switch (kind) {
                        case "empty_text" -> { u = r.nextBoolean() ? null : "  "; a = null; }
                        case "missing_timestamp" -> ts = null;
                        case "missing_user_id" -> uid = null;
                        case "missing_conversation_id" -> cid = null;
                        case "missing_message_index" -> idx = null;
                        case "document_too_large" -> u = "x".repeat(o.oversizeBytes());
                        default -> throw new IllegalStateException(kind);
                    }
                    bad.get(kind).add(id);
                }
                out.accept(new String[] {id, uid, customerId, cid, idx == null ? null : idx.toString(), u, a, ts});
            }
        }
    }

    private static String id(Options o, int row, Random r) {
        return switch (o.idKind()) {
            case UUID, UUID_TEXT -> new UUID(0x1000_0000_0000_0000L + (long) row * 7919L * 1_000_003L, row).toString();
            case TEXT -> String.format("turn-%09d", row);
            case BIGINT -> switch (o.idLayout()) {
                case DENSE -> Long.toString(row + 1L);
                case SPARSE -> Long.toString(row * 1_000_000_000L + 17);
                case SKEWED -> {
                    // 90% of rows packed at the bottom 1% of the id space, 10% spread over the rest
                    long space = (long) o.rows() * 1000;
                    int dense = o.rows() * 9 / 10;
                    yield Long.toString(row < dense ? row + 1L : (long) (space * 0.01) + (long) (row - dense) * (space / Math.max(1, o.rows() - dense)));
                }
                case NEGATIVE_AND_MAX -> {
                    int half = o.rows() / 2;
                    yield Long.toString(row < half ? Long.MIN_VALUE + row : Long.MAX_VALUE - (o.rows() - 1 - row));
                }
            };
        };
    }

    private static StringBuilder field(StringBuilder out, String v) {
        if (v == null) return out.append("\\N");
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
        return out;
    }
}
