package com.synapbackfill.source;

import java.sql.SQLException;
import java.util.List;

/** The first of several times that is there ({@code a ?? b} in a mapping); an unreadable one stops the search and is reported. */
record FirstTime(List<TimeValue> alternatives) implements TimeValue {
    FirstTime {
        alternatives = List.copyOf(alternatives);
    }

    @Override
    public Timed read(Row row) throws SQLException {
        for (TimeValue t : alternatives) {
            Timed x = t.read(row);
            if (!x.none()) return x;
        }
        return Timed.NONE;
    }
}
