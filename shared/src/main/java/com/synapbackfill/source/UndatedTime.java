package com.synapbackfill.source;

import java.sql.SQLException;
import java.time.Instant;

/**
 * The operator's instant ({@code --undated-at}) for a message that has no time: the source keeps none, or this
 * message's is missing. A time that is there, or one that does not parse, stays as it is.
 */
record UndatedTime(TimeValue inner, Instant at) implements TimeValue {
    @Override
    public Timed read(Row row) throws SQLException {
        Timed t = inner == null ? Timed.NONE : inner.read(row);
        return t.none() ? Timed.of(at) : t;
    }
}
