package com.synapbackfill.report;

import java.util.Optional;

/** Port: where run reports go (S3 in AWS). Keys look like {@code runs/<runId>/report.json}. */
public interface ReportStore {
    /** Stores the object and returns where it is (e.g. {@code s3://bucket/key}). */
    String put(String key, byte[] content, String contentType);

    Optional<byte[]> get(String key);

    /** Every key that starts with {@code prefix}, in lexicographic order. */
    java.util.List<String> list(String prefix);
}
