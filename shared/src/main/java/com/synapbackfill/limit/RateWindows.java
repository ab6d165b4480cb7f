package com.synapbackfill.limit;

/**
 * Fixed windows that together grant exactly {@code limitPerMinute} permits a minute. A window holds about
 * two permits (100 ms to 1 s long), so a worker coming back from a call waits a fraction of a second for
 * its next permit rather than for the next whole second; a window is longer when one acquire needs more
 * permits than that (document-unit limits). Quotas are spread with a floor formula, so the limit is never
 * rounded up: 100/min gives windows of 0, 1 or 2 permits, summing to 100 a minute.
 */
public final class RateWindows {
    private final long permitsTimesWindow; // limitPerMinute × windowMillis
    private final long windowMillis;
    private static final long MINUTE_MS = 60_000;

    public RateWindows(int limitPerMinute, int maxPermitsPerAcquire) {
        if (limitPerMinute < 1) throw new IllegalArgumentException("rateLimitPerMinute must be >= 1, was " + limitPerMinute);
        // about two permits a window at low rates (a returning worker waits a fraction of a second), but never
        // shorter than it takes to hold ten permits at high rates: each failed take is a ledger write
        long forTwo = Math.min(MINUTE_MS, (long) Math.ceil(2 * MINUTE_MS / (double) limitPerMinute));
        if (limitPerMinute >= 1200) forTwo = Math.max(forTwo, Math.min(1000, (long) Math.ceil(10 * MINUTE_MS / (double) limitPerMinute)));
        long forOneAcquire = (long) Math.ceil(maxPermitsPerAcquire * MINUTE_MS / (double) limitPerMinute);
        long w = Math.max(forOneAcquire, Math.max(100, forTwo));
        // a divisor of a minute (so windows line up with seconds and minutes), or whole minutes
        long chosen = (w + MINUTE_MS - 1) / MINUTE_MS * MINUTE_MS;
        for (long d : new long[] {100, 125, 200, 250, 500, 1000, 2000, 3000, 4000, 5000, 6000, 10_000, 12_000, 15_000,
                20_000, 30_000, 60_000}) {
            if (d >= w) {
                chosen = d;
                break;
            }
        }
        w = chosen;
        this.windowMillis = w;
        this.permitsTimesWindow = (long) limitPerMinute * w;
    }

    public long windowMillis() {
        return windowMillis;
    }

    public long windowOf(long epochMillis) {
        return Math.floorDiv(epochMillis, windowMillis);
    }

    /** Permits of window {@code w}: floor((w+1)·r) − floor(w·r), with r = limit × window / 1 min. */
    public long quota(long w) {
        return granted(w + 1) - granted(w);
    }

    /** floor(w · permitsTimesWindow / 60 000) without overflow for epoch-sized w (w ≥ 0). */
    private long granted(long w) {
        return (w / MINUTE_MS) * permitsTimesWindow + (w % MINUTE_MS) * permitsTimesWindow / MINUTE_MS;
    }

    /**
     * The quota of window {@code w} when the fleet runs at {@code factor} (0..1] of the limit, after 429s told
     * it the real limit is lower: floor((w+1)·r·f) − floor(w·r·f), counted within 10-minute cycles so doubles
     * stay exact.
     */
    public long quota(long w, double factor) {
        if (factor >= 1.0) return quota(w);
        double rf = permitsTimesWindow * factor / MINUTE_MS;
        long c = Math.floorMod(w, 600_000L);
        return (long) Math.floor((c + 1) * rf) - (long) Math.floor(c * rf);
    }

    public long startOf(long w) {
        return w * windowMillis;
    }
}
