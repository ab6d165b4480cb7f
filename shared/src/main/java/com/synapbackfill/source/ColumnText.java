package com.synapbackfill.source;

import java.sql.SQLException;

/** A column's value as text ({@code col::text} on PostgreSQL), at position {@code at} of the select list. */
record ColumnText(int at) implements Value {
    @Override
    public Object read(Row row) throws SQLException {
        return row.text(at);
    }
}
