package com.synapbackfill.limit;

/**
 * Fixed windows that together grant exactly {@code limitPerMinute} permits a minute. A window is one second,
 * or longer when one acquire needs more permits than a second allows (document-unit limits). Quotas are
 * spread with a floor formula, so 100/min gives windows of 1 or 2 permits and never rounds the rate up.
 */
public final class RateWindows {
    private final int limitPerMinute;
    private final long windowMillis;

    public RateWindows(int limitPerMinute, int maxPermitsPerAcquire) {
        if (limitPerMinute < 1) throw new IllegalArgumentException("rateLimitPerMinute must be >= 1, was " + limitPerMinute);
        this.limitPerMinute = limitPerMinute;
        long seconds = Math.max(1, (long) Math.ceil(maxPermitsPerAcquire * 60.0 / limitPerMinute));
        this.windowMillis = seconds * 1000;
    }

    public long windowMillis() {
        return windowMillis;
    }

    public long windowOf(long epochMillis) {
        return Math.floorDiv(epochMillis, windowMillis);
    }

    /** Permits of window {@code w}: floor((w+1)·r) − floor(w·r) with r = limit × window / 60 s. */
    public long quota(long w) {
        long perMinuteTimesWindow = limitPerMinute * (windowMillis / 1000);
        return Math.floorDiv((w + 1) * perMinuteTimesWindow, 60) - Math.floorDiv(w * perMinuteTimesWindow, 60);
    }

    public long startOf(long w) {
        return w * windowMillis;
    }
}
