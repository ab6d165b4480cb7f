package com.synapbackfill.source;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;

/**
 * The value at an RFC 6901 pointer inside a JSON column (json, jsonb, or text holding JSON, as MariaDB's JSON is),
 * read as text and resolved with Jackson: dialect-neutral and exact. An empty pointer is the whole value.
 */
record JsonAt(int at, JsonPointer pointer) implements Value {
    static JsonAt of(int at, String pointer) {
        return new JsonAt(at, JsonPointer.compile(pointer == null ? "" : pointer));
    }

    @Override
    public Object read(Row row) throws SQLException {
        JsonNode doc = row.json(at);
        if (doc == null || doc == Row.UNPARSEABLE) return doc;
        return doc.at(pointer);
    }
}
