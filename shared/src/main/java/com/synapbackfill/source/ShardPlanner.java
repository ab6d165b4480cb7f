package com.synapbackfill.source;

import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Cuts the id space into shards (pure; Flink's split enumerator in spirit).
 *
 * <p>Shard count = ceil(estimatedRows / targetRows). Integer ids are cut arithmetically when a sample shows
 * they are spread evenly over {@code [min, max]}; otherwise (sparse, skewed), and always for UUID and text
 * ids, at the sample's quantiles, so shards hold similar row counts. Every plan covers {@code [min, max]}
 * exactly: no gap, no overlap, no overflow at {@code Long.MIN_VALUE}/{@code Long.MAX_VALUE}.
 */
public final class ShardPlanner {
    /**
     * The most shards a run is cut into: a larger table gets larger shards. The planner writes and enqueues every shard in
     * one invocation (10,000 in 5.1 s on the build machine against its 900 s timeout: docs/deploy.md, limits), and more
     * shards than workers buy nothing.
     */
    public static final int MAX_SHARDS = 10_000;

    /** Kolmogorov–Smirnov distance from uniform above which integer ids are cut at quantiles. */
    static final double UNIFORM_TOLERANCE = 0.10;

    private ShardPlanner() {
    }

    /**
     * @param sample sorted ids from the slice (may be empty: integer ids are then cut arithmetically)
     */
    public static List<Shard> plan(String runId, SourceProfile profile, int targetRows, List<String> sample) {
        if (profile.empty()) return List.of();
        int wanted = (int) Math.max(1, Math.min(MAX_SHARDS, ceilDiv(profile.estimatedRows(), targetRows)));
        return switch (profile.idType()) {
            case BIGINT -> planLong(runId, Long.parseLong(profile.minId()), Long.parseLong(profile.maxId()), wanted,
                    sample.stream().map(Long::parseLong).toList());
            case UUID -> planUuid(runId, profile.minId(), profile.maxId(), wanted, sample);
            case TEXT -> planText(runId, profile.minId(), profile.maxId(), wanted, sample);
        };
    }

    /** Integer ids: arithmetic when the sample looks uniform over [min, max], quantiles otherwise. */
    public static List<Shard> planLong(String runId, long min, long max, int wanted, List<Long> sortedSample) {
        BigInteger lo = BigInteger.valueOf(min);
        BigInteger span = BigInteger.valueOf(max).subtract(lo).add(BigInteger.ONE);
        int n = (int) Math.min(wanted, span.min(BigInteger.valueOf(Integer.MAX_VALUE)).longValue());
        List<BigInteger> cuts = new ArrayList<>(); // first id of shards 1..n-1
        if (sortedSample.size() >= 2 * n && !uniform(min, max, sortedSample)) {
            for (int k = 1; k < n; k++) {
                long c = sortedSample.get((int) ((long) k * sortedSample.size() / n));
                BigInteger cut = BigInteger.valueOf(c);
                if (cut.compareTo(lo) > 0 && (cuts.isEmpty() || cut.compareTo(cuts.get(cuts.size() - 1)) > 0)) cuts.add(cut);
            }
        } else {
            for (int k = 1; k < n; k++) {
                cuts.add(lo.add(span.multiply(BigInteger.valueOf(k)).divide(BigInteger.valueOf(n))));
            }
        }
        List<Shard> shards = new ArrayList<>(cuts.size() + 1);
        BigInteger start = lo;
        for (BigInteger cut : cuts) {
            shards.add(new Shard(runId, shards.size(), start.toString(), false, cut.subtract(BigInteger.ONE).toString(), IdType.BIGINT));
            start = cut;
        }
        shards.add(new Shard(runId, shards.size(), start.toString(), false, Long.toString(max), IdType.BIGINT));
        return shards;
    }

    /** True when the sample's empirical CDF stays within {@link #UNIFORM_TOLERANCE} of uniform over [min, max]. */
    static boolean uniform(long min, long max, List<Long> sorted) {
        if (sorted.isEmpty()) return true;
        double width = (double) max - (double) min + 1.0;
        double worst = 0;
        int m = sorted.size();
        for (int i = 0; i < m; i++) {
            double expected = ((double) sorted.get(i) - (double) min) / width;
            worst = Math.max(worst, Math.max(Math.abs((i + 1.0) / m - expected), Math.abs((double) i / m - expected)));
        }
        return worst <= UNIFORM_TOLERANCE;
    }

    /** UUID ids: quantile cuts; the predecessor of a cut is computed on the 128-bit value, so bounds stay inclusive. */
    public static List<Shard> planUuid(String runId, String min, String max, int wanted, List<String> sortedSample) {
        List<BigInteger> cuts = new ArrayList<>();
        BigInteger lo = uuidValue(min);
        BigInteger hi = uuidValue(max);
        int n = Math.max(1, Math.min(wanted, sortedSample.size()));
        for (int k = 1; k < n; k++) {
            BigInteger c = uuidValue(sortedSample.get((int) ((long) k * sortedSample.size() / n)));
            if (c.compareTo(lo) > 0 && c.compareTo(hi) <= 0 && (cuts.isEmpty() || c.compareTo(cuts.get(cuts.size() - 1)) > 0)) cuts.add(c);
        }
        List<Shard> shards = new ArrayList<>();
        BigInteger start = lo;
        for (BigInteger cut : cuts) {
            shards.add(new Shard(runId, shards.size(), uuidText(start), false, uuidText(cut.subtract(BigInteger.ONE)), IdType.UUID));
            start = cut;
        }
        shards.add(new Shard(runId, shards.size(), uuidText(start), false, uuidText(hi), IdType.UUID));
        return shards;
    }

    /**
     * Text ids: quantile cuts. Text has no computable predecessor in a database collation, so shard k+1
     * starts just after shard k's last id ({@code loExclusive}).
     */
    public static List<Shard> planText(String runId, String min, String max, int wanted, List<String> sortedSample) {
        List<String> cuts = new ArrayList<>(); // last id of shards 0..n-2
        int n = Math.max(1, Math.min(wanted, sortedSample.size()));
        for (int k = 1; k < n; k++) {
            String c = sortedSample.get((int) ((long) k * sortedSample.size() / n) - 1);
            // the sample is in the database's order; only de-duplicate, never re-sort with Java's order
            if (!c.equals(max) && (cuts.isEmpty() || !cuts.get(cuts.size() - 1).equals(c)) && !c.equals(min)) cuts.add(c);
        }
        List<Shard> shards = new ArrayList<>();
        String start = min;
        boolean exclusive = false;
        for (String cut : cuts) {
            shards.add(new Shard(runId, shards.size(), start, exclusive, cut, IdType.TEXT));
            start = cut;
            exclusive = true;
        }
        shards.add(new Shard(runId, shards.size(), start, exclusive, max, IdType.TEXT));
        return shards;
    }

    static BigInteger uuidValue(String uuid) {
        UUID u = UUID.fromString(uuid);
        return new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                .putLong(u.getLeastSignificantBits()).array());
    }

    static String uuidText(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] b = new byte[16];
        System.arraycopy(raw, Math.max(0, raw.length - 16), b, Math.max(0, 16 - raw.length), Math.min(16, raw.length));
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        return new UUID(bb.getLong(), bb.getLong()).toString();
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
