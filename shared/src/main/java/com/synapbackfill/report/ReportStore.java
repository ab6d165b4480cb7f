package com.synapbackfill.report;

import java.util.Optional;

/** Port: where run reports go (S3 in AWS). Keys look like {@code runs/<runId>/report.json}. */
public interface ReportStore {
    /** Where {@code key} is, or would be, for a person to find it ({@code s3://bucket/key}, a file path). */
    String location(String key);

    /** Stores the object and returns where it is ({@link #location}). */
    String put(String key, byte[] content, String contentType);

    Optional<byte[]> get(String key);

    /** Every key that starts with {@code prefix}, in lexicographic order. */
    java.util.List<String> list(String prefix);
}
