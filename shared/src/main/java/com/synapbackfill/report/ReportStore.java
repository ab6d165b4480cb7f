package com.synapbackfill.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Port: where run reports go (S3 in AWS). Keys look like {@code runs/<runId>/report.json}. */
public interface ReportStore {
    /** Writes an object's bytes, piece by piece, to the stream it is given (which it does not close). */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Where {@code key} is, or would be, for a person to find it ({@code s3://bucket/key}, a file path). */
    String location(String key);

    /** Stores the object and returns where it is ({@link #location}). */
    String put(String key, byte[] content, String contentType);

    /**
     * Stores an object written piece by piece, of any size, and returns where it is. A reader sees the whole object or
     * none of it (an object that was there before until this one is whole). This default holds it in memory and calls
     * {@link #put(String, byte[], String)}; S3 and the file store keep memory bounded whatever the size (the report's
     * failures.jsonl of a run with millions of failures).
     */
    default String put(String key, String contentType, Content content) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            content.writeTo(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return put(key, buffer.toByteArray(), contentType);
    }

    Optional<byte[]> get(String key);

    /** Every key that starts with {@code prefix}, in lexicographic order. */
    java.util.List<String> list(String prefix);
}
