package com.synapbackfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;

/**
 * A field's value in a row, as its kind reads it: a column's text ({@link ColumnText}), a value inside a JSON column
 * ({@link JsonAt}), or the first non-null of several ({@link FirstOf}). Each kind registers the SQL it reads in the
 * query's {@link SelectList} when it is built, and decodes its own value; a new kind is one class.
 */
interface Value {
    /** A String (text), a {@link JsonNode} (JSON kinds; {@link Row#UNPARSEABLE} when the JSON does not parse), or null. */
    Object read(Row row) throws SQLException;

    /** Whether a read value counts as none (SQL NULL, JSON null, a pointer that finds nothing). */
    static boolean none(Object v) {
        return v == null || (v instanceof JsonNode n && n != Row.UNPARSEABLE && (n.isNull() || n.isMissingNode()));
    }

    /** A scalar field's text (ids, roles): a string or number; anything else is none. */
    static String scalar(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof JsonNode n && n != Row.UNPARSEABLE && (n.isTextual() || n.isNumber() || n.isBoolean())) return n.asText();
        return null;
    }

    /** The message text of a read value ({@link MessageValues#text}'s rules). */
    static MessageValues.Text text(Object v) {
        if (v == null) return MessageValues.Text.NONE;
        if (v instanceof String s) return new MessageValues.Text(s, false);
        JsonNode n = (JsonNode) v;
        return n == Row.UNPARSEABLE ? new MessageValues.Text(null, true) : MessageValues.text(n);
    }
}
