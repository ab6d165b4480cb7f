package com.synapbackfill.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link ReportStore} on S3. An object written piece by piece goes up in parts of {@link #PART_BYTES} (a multipart
 * upload, only once it outgrows one part; a smaller one is one PutObject), so the planner holds one part whatever the
 * object's size, past S3's 5 GB limit of a single PUT up to 10,000 parts (80 GB). An upload that fails is aborted; one
 * cut short by the function's death is removed by the bucket's lifecycle rule (template.yaml, abort-incomplete-uploads).
 */
public final class S3ReportStore implements ReportStore {
    /** The size of a part: S3 takes 5 MiB to 5 GiB for every part but the last. */
    public static final int PART_BYTES = 8 * 1024 * 1024;
    /** S3's most parts in an upload. */
    static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final String bucket;
    private final int partBytes;

    public S3ReportStore(S3Client s3, String bucket) {
        this(s3, bucket, PART_BYTES);
    }

    /** @param partBytes the size of a part (tests; S3 refuses a part under 5 MiB but the last) */
    S3ReportStore(S3Client s3, String bucket, int partBytes) {
        this.s3 = s3;
        this.bucket = bucket;
        this.partBytes = partBytes;
    }

    @Override
    public String location(String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public String put(String key, byte[] content, String contentType) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(content));
        return location(key);
    }

    @Override
    public String put(String key, String contentType, Content content) {
        Upload upload = new Upload(key, contentType);
        try {
            content.writeTo(upload);
            upload.finish();
        } catch (IOException | RuntimeException e) {
            upload.abort(e);
            if (e instanceof IOException io) throw new UncheckedIOException("cannot write " + location(key) + ": " + e.getMessage(), io);
            throw (RuntimeException) e;
        }
        return location(key);
    }

    /** The stream an object is written to: one part in memory, sent when full. */
    private final class Upload extends OutputStream {
        private final String key;
        private final String contentType;
        private final byte[] part = new byte[partBytes];
        private final List<CompletedPart> parts = new ArrayList<>();
        private int filled;
        private String uploadId;

        Upload(String key, String contentType) {
            this.key = key;
            this.contentType = contentType;
        }

        @Override
        public void write(int b) {
            if (filled == part.length) send();
            part[filled++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                if (filled == part.length) send();
                int n = Math.min(len, part.length - filled);
                System.arraycopy(b, off, part, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        /** Sends the full part; the first one starts the upload. */
        private void send() {
            if (uploadId == null) {
                uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(contentType)).uploadId();
            }
            if (parts.size() == MAX_PARTS) {
                throw new IllegalStateException(location(key) + " is larger than S3 takes in " + MAX_PARTS + " parts of "
                        + partBytes + " bytes");
            }
            int number = parts.size() + 1;
            String etag = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromBytes(java.util.Arrays.copyOf(part, filled))).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            filled = 0;
        }

        void finish() {
            if (uploadId == null) {
                // it fitted in one part: one PUT
                s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType),
                        RequestBody.fromBytes(java.util.Arrays.copyOf(part, filled)));
                return;
            }
            if (filled > 0) send();
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        }

        void abort(Exception cause) {
            if (uploadId == null) return;
            try {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException e) {
                cause.addSuppressed(e); // the lifecycle rule removes the parts a day later
            }
        }
    }

    @Override
    public java.util.List<String> list(String prefix) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().forEach(o -> keys.add(o.key()));
        return keys;
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }
}
