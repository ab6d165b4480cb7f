package com.synapbackfill.model;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Synap calls are failing (connection refused, timeouts, 5xx; not 429s, which are the rate limit working): when
 * it started, how many calls failed since, and the last error. Workers note it on the run item while they retry
 * and clear it with the next call that succeeds, so {@code status} and {@code run} can say what is going on.
 *
 * @param sinceEpochMillis  the first failed call of this episode
 * @param failedCalls       failed calls noted since (each worker notes at most one per 10 s)
 * @param last              the last error, e.g. {@code io_error: Synap call failed: ConnectException: Connection refused}
 * @param lastAtEpochMillis when the last one was noted
 */
public record Trouble(long sinceEpochMillis, long failedCalls, String last, long lastAtEpochMillis) {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    /** The prefix of a trouble noted for the source database rather than Synap. */
    public static final String SOURCE = "source database: ";

    /** The start of a trouble noted for a wait Synap asked for (a Retry-After past the retry budget). */
    public static final String ASKED_TO_WAIT = "Synap asked to wait";

    /**
     * "Synap unreachable since 12:03:04 UTC (17 failed calls, last: ...); retrying" (or "Source database unreachable ...";
     * or, for a wait Synap asked for, "Synap asked to wait 3,600 s; waiting 120 s (since 12:03:04 UTC); retrying").
     */
    public String describe() {
        if (last != null && last.contains(ASKED_TO_WAIT))
            return last.substring(last.indexOf(ASKED_TO_WAIT)) + " (since " + CLOCK.format(Instant.ofEpochMilli(sinceEpochMillis)) + " UTC); retrying";
        boolean source = last != null && last.startsWith(SOURCE);
        return (source ? "Source database" : "Synap") + " unreachable since " + CLOCK.format(Instant.ofEpochMilli(sinceEpochMillis)) + " UTC (" + failedCalls + " failed call"
                + (failedCalls == 1 ? "" : "s") + ", last: " + (source ? last.substring(SOURCE.length()) : last) + "); retrying";
    }
}
