package com.synapbackfill.source;

import java.sql.SQLException;
import java.time.ZoneId;

/**
 * A timestamp column (timestamptz / MySQL TIMESTAMP: an instant; timestamp / DATETIME: wall-clock time read in
 * {@code zone}), selected and read as the dialect does it.
 */
record NativeTime(int at, SqlDialect dialect, SqlDialect.Column column, ZoneId zone) implements TimeValue {
    @Override
    public Timed read(Row row) throws SQLException {
        return Timed.of(dialect.readTimestamp(row.resultSet(), at, column, zone));
    }

    @Override
    public boolean nativeColumn() {
        return true;
    }
}
