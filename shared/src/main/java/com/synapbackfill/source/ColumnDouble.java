package com.synapbackfill.source;

import java.sql.SQLException;

/**
 * A float column's value as the shortest decimal that is that double ({@code 1740000000.123456}, as the application's
 * {@code time.time()} wrote it), whatever digits the database's own text would print.
 */
record ColumnDouble(int at) implements Value {
    @Override
    public Object read(Row row) throws SQLException {
        double d = row.resultSet().getDouble(at);
        if (row.resultSet().wasNull()) return null;
        return new java.math.BigDecimal(Double.toString(d)).toPlainString();
    }
}
