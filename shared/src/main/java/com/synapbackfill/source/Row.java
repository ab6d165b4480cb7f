package com.synapbackfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * One row of a page query as the fields read it: its columns' text, and each JSON column parsed at most once
 * however many fields point into it.
 */
final class Row {
    /**
     * A JSON column whose text does not parse: an instance of its own, told apart by identity (not Jackson's MissingNode,
     * which is also what a pointer with no target finds: that is none, not unparseable).
     */
    static final JsonNode UNPARSEABLE = new com.fasterxml.jackson.databind.node.POJONode("unparseable JSON");

    private final ResultSet rs;
    private final Map<Integer, JsonNode> parsed = new HashMap<>();

    Row(ResultSet rs) {
        this.rs = rs;
    }

    ResultSet resultSet() {
        return rs;
    }

    /** Moves to the next row; false at the end. */
    boolean next() throws SQLException {
        parsed.clear();
        problems.clear();
        return rs.next();
    }

    String text(int at) throws SQLException {
        if (!bytes(at)) return rs.getString(at);
        byte[] b = rs.getBytes(at);
        if (b == null) return null;
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new Undecodable(rs.getMetaData().getColumnLabel(at));
        }
    }

    private final Map<Integer, Boolean> bytes = new HashMap<>();

    /** Whether the column at {@code at} was selected as bytes (text of a database that checks no encoding). */
    private boolean bytes(int at) throws SQLException {
        Boolean b = bytes.get(at);
        if (b == null) {
            int t = rs.getMetaData().getColumnType(at);
            b = t == java.sql.Types.BINARY || t == java.sql.Types.VARBINARY || t == java.sql.Types.LONGVARBINARY;
            bytes.put(at, b);
        }
        return b;
    }

    /** A text that is not valid UTF-8 (its row is a bad row, naming why). */
    static final class Undecodable extends RuntimeException {
        Undecodable(String column) {
            super("a text is not valid UTF-8 (the database's encoding, SQL_ASCII, checks nothing it stores)", null, false, false);
        }
    }

    /** The column at {@code at} parsed as JSON; null for SQL NULL, {@link #UNPARSEABLE} when it is not JSON. */
    JsonNode json(int at) throws SQLException {
        if (parsed.containsKey(at)) return parsed.get(at);
        String raw;
        try {
            raw = text(at);
        } catch (Undecodable e) {
            parsed.put(at, UNPARSEABLE);
            problems.put(at, e.getMessage());
            return UNPARSEABLE;
        }
        MessageValues.Parsed p = raw == null ? null : MessageValues.read(raw);
        JsonNode doc = p == null ? null : p.node();
        if (raw != null && doc == null) {
            doc = UNPARSEABLE;
            if (p.problem() != null) problems.put(at, p.problem());
        }
        parsed.put(at, doc);
        return doc;
    }

    private final Map<Integer, String> problems = new HashMap<>();

    /** Why the JSON column at {@code at} of this row could not be read ({@link #json} gave {@link #UNPARSEABLE}), or null. */
    String problem(int at) {
        return problems.get(at);
    }
}
