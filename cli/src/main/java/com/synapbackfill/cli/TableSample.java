package com.synapbackfill.cli;

import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceProfile;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/** What {@code estimate} learns from either shape's sample: the table's profile, the bad documents by reason, their sizes. */
abstract sealed class TableSample permits TurnSample, MessageSample {
    final SourceProfile profile;
    final boolean customerMapped;
    final Map<String, Long> bad = new TreeMap<>();
    long docBytes;
    /** Whether the profile's row count was counted (a query, a view, a key on a joined table), not read from the table's statistics. */
    boolean counted;

    TableSample(SourceProfile profile, boolean customerMapped) {
        this.profile = profile;
        this.customerMapped = customerMapped;
    }

    /** Where the row count comes from, as the first line says it. */
    String countSource() {
        return counted ? "counted" : "statistics";
    }

    /**
     * Whether planning counts the source's rows rather than reading its statistics, as the planner decides it: a query or a view
     * has no statistics of its own, and neither has a conversation key read from a joined table. Whether a table is a view is
     * asked of the catalog; when that cannot be read, the table is taken for one with statistics.
     */
    static boolean counted(SourceConfig source, JdbcConnectionSettings connection) {
        if (source.query() != null) return true;
        if (source.messageShape() && !source.conversationShape()
                && source.messages().refs("conversationId").stream().anyMatch(r -> r.table() != null)) return true;
        try (Connection c = DriverManager.getConnection(connection.jdbcUrl(), connection.user(), connection.password())) {
            // one catalog read, in a read-only transaction like every read of the source
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try {
                return connection.dialect().describe(c, source.table()).view();
            } finally {
                c.rollback();
            }
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** {@code n word}, the word in the plural unless n is one ({@code 1 shard}, {@code 2 shards}). */
    static String count(long n, String word) {
        return String.format("%,d %s", n, n == 1 ? word : word + "s");
    }
}
