package com.synapbackfill.source;

import java.sql.SQLException;
import java.time.Instant;

/**
 * A field's time in a row: a timestamp column ({@link NativeTime}), epoch numbers or ISO-8601 text in a column or
 * inside JSON ({@link TextTime}), or the first of several that has one ({@link FirstTime}).
 */
interface TimeValue {
    /** The time read: an instant, none (null), or a value that is no time ({@code unreadable} names it). */
    record Timed(Instant at, String unreadable) {
        static final Timed NONE = new Timed(null, null);

        static Timed of(Instant at) {
            return at == null ? NONE : new Timed(at, null);
        }

        static Timed unreadable(String raw) {
            return new Timed(null, raw.length() > 80 ? raw.substring(0, 80) + "…" : raw);
        }

        boolean none() {
            return at == null && unreadable == null;
        }
    }

    Timed read(Row row) throws SQLException;

    /** Whether the time is a timestamp column that SQL can compare and order by itself. */
    default boolean nativeColumn() {
        return false;
    }
}
