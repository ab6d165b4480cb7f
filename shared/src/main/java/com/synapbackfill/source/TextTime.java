package com.synapbackfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;

/**
 * A time kept as a number or as text: an epoch number in {@code unit} (an integer or float column, a JSON number, or
 * text when the mapping names an epoch unit), or ISO-8601 text with or without an offset (without one, in
 * {@code zone}). A value that is neither is unreadable, and names itself.
 */
record TextTime(Value inner, Times.Unit unit, ZoneId zone) implements TimeValue {
    @Override
    public Timed read(Row row) throws SQLException {
        Object v = inner.read(row);
        if (Value.none(v)) return Timed.NONE;
        if (v == Row.UNPARSEABLE) return Timed.unreadable(String.valueOf(row.text(((JsonAt) inner).at())));
        if (v instanceof JsonNode n && n.isNumber()) return decoded(Times.fromEpoch(n.decimalValue(), epochUnit()), n.asText());
        String text = v instanceof JsonNode n ? (n.isTextual() ? n.textValue() : n.toString()) : (String) v;
        if (v instanceof JsonNode n && !n.isTextual()) return Timed.unreadable(text);
        boolean epoch = unit != null && unit != Times.Unit.ISO;
        return decoded(epoch ? Times.parseEpoch(text, unit) : Times.parseIso(text, zone), text);
    }

    /** A JSON number or a numeric column without a unit is in seconds. */
    private Times.Unit epochUnit() {
        return unit == null || unit == Times.Unit.ISO ? Times.Unit.EPOCH_S : unit;
    }

    private static Timed decoded(Instant at, String raw) {
        return at == null ? Timed.unreadable(raw) : Timed.of(at);
    }
}
