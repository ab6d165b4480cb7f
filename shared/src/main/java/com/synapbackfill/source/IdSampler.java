package com.synapbackfill.source;

import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * What planning reads about the shard key, and nothing else: the bounds inside the configured slice, a row
 * estimate from statistics (never a full COUNT), a sample of key values for quantile cuts, and (tests, the
 * report's cross-check) a shard's exact count. Block sampling where the database has it; index probes on large
 * tables where it has not ({@link #probeSample}); a per-row coin flip otherwise.
 */
final class IdSampler {
    private static final int SAMPLE_FLOOR = 2_000;
    /**
     * Above this many rows (statistics), a database without block sampling is sampled by index probes rather
     * than a coin flip per row, so planning never reads a large table whole. Text ids cannot be probed (no
     * arithmetic between two strings): they are sampled per row at any size.
     */
    long probeAboveRows = 250_000;
    static final int PROBES = 400;
    static final int PROBE_ROWS = 32;
    static final int PROBE_BUDGET = 2_000;

    private final SourceConnection db;
    private final SqlDialect dialect;
    private final ShardKey key;
    private final String fromId;
    private final String toId;
    private SourceProfile profile; // bounds and estimate, read once: planning asks for them twice

    IdSampler(SourceConnection db, ShardKey key, String fromId, String toId) {
        this.db = db;
        this.dialect = db.dialect();
        this.key = key;
        this.fromId = fromId;
        this.toId = toId;
    }

    SourceProfile profile() {
        if (profile == null) profile = readProfile();
        return profile;
    }

    private SourceProfile readProfile() {
        String id = key.column();
        String p = dialect.param(key.type());
        String text = dialect.idText(id, key.type());
        // ORDER BY ... LIMIT 1 rather than min()/max(): index-backed for every id type (PostgreSQL has no min(uuid))
        // a NULL key is in no shard (counted apart): PostgreSQL sorts NULLs first when descending, MySQL when ascending
        String where = " FROM " + key.from() + " WHERE " + id + " IS NOT NULL AND (" + p + " IS NULL OR " + id + " >= " + p
                + ") AND (" + p + " IS NULL OR " + id + " <= " + p + ") ORDER BY " + id;
        String sql = "SELECT (SELECT " + text + " AS sb_lo" + where + " LIMIT 1), (SELECT " + text + " AS sb_hi"
                + where + " DESC LIMIT 1)";
        String min;
        String max;
        try (PreparedStatement ps = db.prepare(sql)) {
            for (int k = 0; k < 8; k += 4) {
                SourceConnection.bindId(ps, k + 1, key.type(), fromId, "source.fromId");
                SourceConnection.bindId(ps, k + 2, key.type(), fromId, "source.fromId");
                SourceConnection.bindId(ps, k + 3, key.type(), toId, "source.toId");
                SourceConnection.bindId(ps, k + 4, key.type(), toId, "source.toId");
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                min = rs.getString(1);
                max = rs.getString(2);
            }
        } catch (SQLException e) {
            throw db.error("reading the id bounds", e);
        }
        if (min == null) return new SourceProfile(key.type(), null, null, 0);
        if (key.unique() != null) requireUnique();
        if (key.type() == IdType.BIGINT) {
            for (String bound : new String[] {min, max}) {
                try {
                    Long.parseLong(bound);
                } catch (NumberFormatException e) {
                    throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: id " + bound
                            + " is outside the signed 64-bit range (an unsigned BIGINT above 9223372036854775807)");
                }
            }
        }
        // a view or a query has no statistics of its own, and its plan's guess can be off by orders of magnitude:
        // count it (its sample reads it whole anyway)
        if (key.view()) return new SourceProfile(key.type(), min, max, Math.max(1, countKeys()));
        long estimate = estimate();
        if ((fromId != null || toId != null) && key.type() == IdType.BIGINT) {
            // statistics describe the whole table: scale to the slice by id span (uniform ids assumed; the
            // planner's sample corrects the cuts, this only sets how many shards there are)
            String[] full = fullBounds();
            double fullSpan = Double.parseDouble(full[1]) - Double.parseDouble(full[0]) + 1;
            double sliceSpan = Double.parseDouble(max) - Double.parseDouble(min) + 1;
            estimate = Math.max(1, Math.round(estimate * Math.min(1.0, sliceSpan / fullSpan)));
        }
        return new SourceProfile(key.type(), min, max, estimate);
    }

    private String[] fullBounds() {
        String id = key.column();
        String text = dialect.idText(id, key.type());
        String from = " FROM " + key.from() + " WHERE " + id + " IS NOT NULL ORDER BY " + id;
        try (PreparedStatement ps = db.prepare("SELECT (SELECT " + text + " AS sb_lo" + from + " LIMIT 1), (SELECT "
                + text + " AS sb_hi" + from + " DESC LIMIT 1)"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        } catch (SQLException e) {
            throw db.error("reading the table's id bounds", e);
        }
    }

    /**
     * Refuses an id column that holds a value twice: keyset pages ({@code id > :last}) would skip the second row without a
     * word. A unique index (or primary key) on the column alone settles it from the catalog; else (a view, a query, a
     * table without one) the column is checked, once, at planning.
     */
    private void requireUnique() {
        try {
            if (key.table() != null && !key.view() && dialect.uniqueIndex(db.get(), key.table(), key.unique())) return;
        } catch (SQLException e) {
            throw db.error("reading the id column's indexes", e);
        }
        String id = key.column();
        String sql = "SELECT " + dialect.idText(id, key.type()) + ", count(*) FROM " + key.from() + " WHERE " + id + " IS NOT NULL GROUP BY "
                + id + " HAVING count(*) > 1 LIMIT 1";
        try (PreparedStatement ps = db.prepare(sql); ResultSet rs = ps.executeQuery()) {
            if (rs.next())
                throw new PermanentException(PermanentException.Kind.CONFIGURATION, "columns.id: column " + key.unique() + " is not unique (\""
                        + rs.getString(1) + "\" is on " + rs.getLong(2) + " rows): pages read by id would skip rows. Map a unique column as "
                        + "the id (a primary key), or give a query whose id column is unique");
        } catch (SQLException e) {
            throw db.error("checking that the id column is unique", e);
        }
    }

    /** Rows whose key is in the slice, counted. */
    private long countKeys() {
        String id = key.column();
        String p = dialect.param(key.type());
        String sql = "SELECT count(*) FROM " + key.from() + " WHERE " + id + " IS NOT NULL AND (" + p + " IS NULL OR " + id + " >= " + p
                + ") AND (" + p + " IS NULL OR " + id + " <= " + p + ")";
        try (PreparedStatement ps = db.prepare(sql)) {
            SourceConnection.bindId(ps, 1, key.type(), fromId, "source.fromId");
            SourceConnection.bindId(ps, 2, key.type(), fromId, "source.fromId");
            SourceConnection.bindId(ps, 3, key.type(), toId, "source.toId");
            SourceConnection.bindId(ps, 4, key.type(), toId, "source.toId");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw db.error("counting the rows of the source", e);
        }
    }

    /**
     * Corrects the profile's estimate by a sample of {@code found} rows at {@code percent}: exact when the sample took
     * every row, else when statistics are far off (a table loaded since its last ANALYZE). Progress and shard counts
     * then follow the real size.
     */
    private void refine(int found, double percent) {
        if (key.view() || profile == null || profile.empty()) return;
        long byStats = profile.estimatedRows();
        long bySample = percent >= 100.0 ? found : Math.round(found * 100.0 / percent);
        boolean exact = percent >= 100.0;
        boolean farOff = found >= 200 && (bySample > byStats * 1.5 || bySample < byStats / 1.5);
        if ((exact || farOff) && bySample != byStats)
            profile = new SourceProfile(profile.idType(), profile.minId(), profile.maxId(), Math.max(1, bySample));
    }

    private long estimate() {
        try {
            return Math.max(1, dialect.estimateRows(db.get(), key.table(), key.from(), key.view()));
        } catch (SQLException | NumberFormatException e) {
            return 1; // no statistics: one shard per target rows from the sample alone
        }
    }

    /** About {@code n} key values spread over the slice, sorted ascending. */
    List<String> sampleIds(int n) {
        SourceProfile profile = profile();
        if (profile.empty()) return List.of();
        double percent = Math.min(100.0, Math.max(0.01, 100.0 * Math.max(n, SAMPLE_FLOOR) / Math.max(1, profile.estimatedRows())));
        if (!dialect.blockSampling()) {
            if (profile.estimatedRows() > probeAboveRows && key.type() != IdType.TEXT) return probeSample(profile, Math.max(n, SAMPLE_FLOOR));
            List<String> ids = sample(profile, percent, true);
            refine(ids.size(), percent);
            return ids;
        }
        List<String> ids = sample(profile, percent, false);
        if (ids.size() < Math.min(n, profile.estimatedRows()) / 4 && !key.view()) {
            // block sampling found too little (small or clustered table): sample rows instead
            ids = sample(profile, percent, true);
        }
        refine(ids.size(), percent);
        return ids;
    }

    private List<String> sample(SourceProfile profile, double percent, boolean rowSampling) {
        String sql = dialect.sampleSql(key.from(), key.column(), key.type(), percent, rowSampling || key.view());
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = db.prepare(sql)) {
            SourceConnection.bindId(ps, 1, key.type(), profile.minId(), "source.fromId");
            SourceConnection.bindId(ps, 2, key.type(), profile.maxId(), "source.toId");
            ps.setFetchSize(5_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw db.error("sampling ids", e);
        }
        return ids;
    }

    /**
     * Sampling by index probes, for integer and UUID ids where the database cannot sample pages. A probe at
     * {@code p} reads the next {@link #PROBE_ROWS} ids from {@code p} by the primary key (one index seek). The
     * id range starts as {@link #PROBES} even segments, one probe each: a segment whose probe reached the next
     * segment has an exact count; otherwise its first ids are counted and the rest stays open, estimated
     * from the probe's density. The open segment with the largest estimate is then split in four and probed
     * again, until at most {@link #PROBE_BUDGET} probes ({@code PROBE_BUDGET × PROBE_ROWS} rows, whatever the
     * table's size). The answer is {@code n} ids at the quantiles of the counted and estimated distribution
     * (interpolated values: the planner only makes cuts of them).
     */
    List<String> probeSample(SourceProfile profile, int n) {
        boolean uuid = key.type() == IdType.UUID;
        Function<String, BigInteger> value = uuid ? ShardPlanner::uuidValue : BigInteger::new;
        Function<BigInteger, String> text = uuid ? ShardPlanner::uuidText : BigInteger::toString;
        BigInteger lo = value.apply(profile.minId());
        BigInteger end = value.apply(profile.maxId()).add(BigInteger.ONE);
        BigInteger span = end.subtract(lo);
        String id = key.column();
        String p = dialect.param(key.type());
        String sql = "SELECT " + dialect.idText(id, key.type()) + " AS sb_id FROM " + key.from() + " WHERE "
                + id + " >= " + p + " AND " + id + " <= " + p + " ORDER BY " + id + " LIMIT " + PROBE_ROWS;
        List<Segment> done = new ArrayList<>();
        PriorityQueue<Segment> open = new PriorityQueue<>((a, b) -> Double.compare(b.mass, a.mass));
        int probes = 0;
        try (PreparedStatement ps = db.prepare(sql)) {
            List<Segment> todo = split(lo, span, PROBES);
            while (true) {
                for (Segment seg : todo) {
                    probes++;
                    SourceConnection.bindId(ps, 1, key.type(), text.apply(seg.start), "probe");
                    SourceConnection.bindId(ps, 2, key.type(), profile.maxId(), "source.toId");
                    List<BigInteger> found = new ArrayList<>(PROBE_ROWS);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) found.add(value.apply(rs.getString(1)));
                    }
                    counted(seg, found, done, open);
                }
                if (open.isEmpty() || probes + 4 > PROBE_BUDGET) break;
                Segment big = open.poll();
                todo = split(big.start, big.end.subtract(big.start), 4);
            }
        } catch (SQLException e) {
            throw db.error("probing ids", e);
        }
        done.addAll(open);
        done.sort((a, b) -> a.start.compareTo(b.start));
        return new ArrayList<>(quantiles(done, n, end).stream().map(text).toList());
    }

    /** {@code [start, start + width)} in up to {@code parts} even segments (fewer when it holds fewer ids), none probed yet. */
    private static List<Segment> split(BigInteger start, BigInteger width, int parts) {
        int count = (int) width.min(BigInteger.valueOf(parts)).longValue();
        List<Segment> segments = new ArrayList<>(count);
        for (int k = 0; k < count; k++)
            segments.add(new Segment(start.add(width.multiply(BigInteger.valueOf(k)).divide(BigInteger.valueOf(count))),
                    start.add(width.multiply(BigInteger.valueOf(k + 1)).divide(BigInteger.valueOf(count))), 0, false));
        return segments;
    }

    /**
     * What a probe of {@code seg} found: when it reached the next segment, an exact count; otherwise its first ids counted
     * ({@code done}) and the rest of it left open, estimated from the probe's density.
     */
    private static void counted(Segment seg, List<BigInteger> found, List<Segment> done, PriorityQueue<Segment> open) {
        long inside = found.stream().filter(v -> v.compareTo(seg.end) < 0).count();
        if (inside < found.size() || found.size() < PROBE_ROWS) {
            done.add(new Segment(seg.start, seg.end, inside, false)); // reached the next segment: exact
            return;
        }
        BigInteger counted = found.get(found.size() - 1).add(BigInteger.ONE);
        done.add(new Segment(seg.start, counted, PROBE_ROWS, false));
        double density = PROBE_ROWS / counted.subtract(seg.start).doubleValue();
        if (counted.compareTo(seg.end) < 0)
            open.add(new Segment(counted, seg.end, density * seg.end.subtract(counted).doubleValue(), true));
    }

    /** {@code n} ids at the quantiles of the segments' masses (sorted by start), interpolated inside a segment; below {@code end}. */
    private static List<BigInteger> quantiles(List<Segment> segments, int n, BigInteger end) {
        double total = segments.stream().mapToDouble(x -> x.mass).sum();
        List<BigInteger> out = new ArrayList<>(n);
        if (total <= 0) return out;
        int k = 0;
        double before = 0; // mass of segments 0..k-1
        for (int i = 0; i < n; i++) {
            double q = (i + 0.5) * total / n;
            while (k < segments.size() - 1 && before + segments.get(k).mass < q) before += segments.get(k++).mass;
            Segment seg = segments.get(k);
            double within = seg.mass == 0 ? 0 : Math.min(1.0, Math.max(0.0, (q - before) / seg.mass));
            BigInteger at = seg.start.add(new BigDecimal(seg.end.subtract(seg.start)).multiply(BigDecimal.valueOf(within)).toBigInteger());
            out.add(at.min(end.subtract(BigInteger.ONE)));
        }
        return out;
    }

    /** A part {@code [start, end)} of the id range holding {@code mass} rows: counted, or estimated while {@code open}. */
    private record Segment(BigInteger start, BigInteger end, double mass, boolean open) {
    }

    /** Exact row count of a shard's key range. */
    long countRows(Shard shard) {
        String id = key.column();
        String p = dialect.param(key.type());
        String sql = "SELECT count(*) FROM " + key.from() + " WHERE " + id + (shard.loExclusive() ? " > " : " >= ") + p + " AND " + id + " <= " + p;
        try (PreparedStatement ps = db.prepare(sql)) {
            SourceConnection.bindId(ps, 1, key.type(), shard.lo(), "shard.lo");
            SourceConnection.bindId(ps, 2, key.type(), shard.hi(), "shard.hi");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw db.error("counting shard " + shard.shardNo(), e);
        }
    }
}
