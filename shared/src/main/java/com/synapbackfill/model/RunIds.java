package com.synapbackfill.model;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.regex.Pattern;

/** Run ids: 1–64 of {@code [A-Za-z0-9._-]}, so they are safe in keys, S3 paths and log lines. */
public final class RunIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private RunIds() {
    }

    public static String requireValid(String runId) {
        if (runId == null || !VALID.matcher(runId).matches())
            throw new IllegalArgumentException("runId must match " + VALID.pattern() + ", was " + quoted(runId));
        return runId;
    }

    /** A new id such as {@code run-20261124-013000-1a2b3c}. */
    public static String generate(Clock clock) {
        return "run-" + STAMP.format(clock.instant()) + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    static String quoted(String s) {
        return s == null ? "null" : '"' + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + '"';
    }
}
