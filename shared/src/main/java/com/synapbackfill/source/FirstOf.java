package com.synapbackfill.source;

import java.sql.SQLException;
import java.util.List;

/** The first of several values that is not none ({@code a ?? b ?? c} in a mapping); none when all are. */
record FirstOf(List<Value> alternatives) implements Value {
    FirstOf {
        alternatives = List.copyOf(alternatives);
    }

    @Override
    public Object read(Row row) throws SQLException {
        for (Value v : alternatives) {
            Object x = v.read(row);
            if (!Value.none(x)) return x;
        }
        return null;
    }
}
