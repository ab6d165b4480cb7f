package com.synapbackfill.limit;

/**
 * How the fleet's limiter spreads its takes (#33): the limit is split over {@link #lanes()} lanes, each a ledger item
 * of its own that hands out slots at its share of the rate. A lane takes at most {@value #ACQUIRES_PER_LANE_PER_MINUTE}
 * acquires a minute (2 writes a second), so no limiter item heats up with the rate: 600/min has 5 lanes, 6,000/min
 * 50, 60,000/min 500.
 *
 * <p>A lane spaces its slots by {@code permits × 60 s / perLaneRate}. Slots of one lane that fall within any 60 s
 * hold at most {@code perLaneRate − 1 + maxPermits} permits, so with {@code perLaneRate = floor(limit / lanes) −
 * maxPermits + 1} the lanes together never grant more than the limit in any sliding minute (for a limit of at least
 * twice an acquire; below that a lane runs at half its share and the bound is 1.5× the limit).
 */
public final class RateLanes {
    /**
     * Acquires a lane takes per minute at the full rate: two writes a second on its item, so that the fleet waking
     * at once (its first second, the end of a pause: about one more write per worker and lane) stays under ten.
     */
    public static final int ACQUIRES_PER_LANE_PER_MINUTE = 120;
    private static final long MINUTE_MICROS = 60_000_000L;

    private final int lanes;
    private final long perLaneRate;

    public RateLanes(int limitPerMinute, int maxPermitsPerAcquire) {
        if (limitPerMinute < 1) throw new IllegalArgumentException("rateLimitPerMinute must be >= 1, was " + limitPerMinute);
        int p = Math.max(1, maxPermitsPerAcquire);
        double acquiresPerMinute = limitPerMinute / (double) p;
        int l = (int) Math.max(1, Math.ceil(acquiresPerMinute / ACQUIRES_PER_LANE_PER_MINUTE));
        this.lanes = Math.max(1, Math.min(l, limitPerMinute / (2 * p)));
        long share = limitPerMinute / lanes;
        this.perLaneRate = Math.max(share - p + 1, Math.max(1, share / 2));
    }

    public int lanes() {
        return lanes;
    }

    /** Permits a lane grants per minute at the full rate. */
    public long perLaneRate() {
        return perLaneRate;
    }

    /** Permits all lanes grant per minute at the full rate (at most the limit). */
    public long fleetRate() {
        return perLaneRate * lanes;
    }

    /**
     * Microseconds a lane's next slot moves on for {@code permits}, when the fleet runs at {@code factor} (0..1] of
     * the limit (after 429s). Rounded up: the lane never runs faster than its share.
     */
    public long spacingMicros(int permits, double factor) {
        double f = Math.max(0.01, Math.min(1.0, factor));
        return (long) Math.ceil(permits * (double) MINUTE_MICROS / (perLaneRate * f));
    }
}
