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
    /** A JSON column whose text does not parse. */
    static final JsonNode UNPARSEABLE = com.fasterxml.jackson.databind.node.MissingNode.getInstance();

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
        return rs.next();
    }

    String text(int at) throws SQLException {
        return rs.getString(at);
    }

    /** The column at {@code at} parsed as JSON; null for SQL NULL, {@link #UNPARSEABLE} when it is not JSON. */
    JsonNode json(int at) throws SQLException {
        if (parsed.containsKey(at)) return parsed.get(at);
        String raw = rs.getString(at);
        JsonNode doc = raw == null ? null : MessageValues.parse(raw);
        if (raw != null && doc == null) doc = UNPARSEABLE;
        parsed.put(at, doc);
        return doc;
    }
}
