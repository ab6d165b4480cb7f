package com.synapbackfill.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.embedded.RealParts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The report's failures.jsonl streamed to S3 (s3mock): in parts of {@link S3ReportStore#PART_BYTES} once it outgrows
 * one, as one PUT when it does not, and an upload that fails aborted.
 */
class S3ReportStoreIT {
    private static S3Client s3;
    private static final List<String> CALLS = Collections.synchronizedList(new ArrayList<>());
    private static final List<Long> BODIES = Collections.synchronizedList(new ArrayList<>());
    private static final String BUCKET = "reports-streamed";

    @BeforeAll
    static void start() {
        s3 = S3Client.builder().endpointOverride(URI.create(RealParts.s3())).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                        CALLS.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
                        context.requestBody().ifPresent(b -> BODIES.add(b.optionalContentLength().orElse(-1L)));
                    }
                })).build();
        s3.createBucket(r -> r.bucket(BUCKET));
    }

    @BeforeEach
    void clear() {
        CALLS.clear();
        BODIES.clear();
    }

    /** {@code n} bytes of lines, the same for the same seed, written in pieces of varied sizes. */
    private static ReportStore.Content lines(long n, long seed) {
        return out -> {
            Random random = new Random(seed);
            long left = n;
            while (left > 0) {
                byte[] piece = ("{\"row\":" + random.nextLong() + ",\"reason\":\"" + "x".repeat(random.nextInt(300)) + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8);
                int len = (int) Math.min(left, piece.length);
                if (random.nextBoolean()) {
                    out.write(piece, 0, len);
                } else {
                    for (int i = 0; i < len; i++) out.write(piece[i]);
                }
                left -= len;
            }
        };
    }

    private static byte[] digestOf(ReportStore.Content c) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        c.writeTo(new OutputStream() {
            @Override
            public void write(int b) {
                md.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                md.update(b, off, len);
            }
        });
        return md.digest();
    }

    private static byte[] digestOf(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void anObjectLargerThanAPartGoesUpInPartsNoneLargerThanOne() throws Exception {
        ReportStore store = new S3ReportStore(s3, BUCKET);
        long size = 2L * S3ReportStore.PART_BYTES + 12_345;
        String at = store.put("runs/big/failures.jsonl", "application/x-ndjson", lines(size, 7));
        assertThat(at).isEqualTo("s3://" + BUCKET + "/runs/big/failures.jsonl");
        assertThat(CALLS).containsExactly("CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload");
        assertThat(BODIES).allSatisfy(b -> assertThat(b).isBetween(0L, (long) S3ReportStore.PART_BYTES));
        byte[] stored = store.get("runs/big/failures.jsonl").orElseThrow();
        assertThat(stored).hasSize((int) size);
        assertThat(digestOf(stored)).isEqualTo(digestOf(lines(size, 7)));
        assertThat(s3.headObject(r -> r.bucket(BUCKET).key("runs/big/failures.jsonl")).contentType()).isEqualTo("application/x-ndjson");
    }

    @Test
    void anObjectThatFitsOnePartIsOnePut() throws Exception {
        ReportStore store = new S3ReportStore(s3, BUCKET);
        store.put("runs/small/failures.jsonl", "application/x-ndjson", lines(10_000, 3));
        store.put("runs/exact/failures.jsonl", "application/x-ndjson", lines(S3ReportStore.PART_BYTES, 4));
        store.put("runs/none/failures.jsonl", "application/x-ndjson", out -> { });
        assertThat(CALLS).containsExactly("PutObject", "PutObject", "PutObject");
        assertThat(digestOf(store.get("runs/small/failures.jsonl").orElseThrow())).isEqualTo(digestOf(lines(10_000, 3)));
        assertThat(digestOf(store.get("runs/exact/failures.jsonl").orElseThrow())).isEqualTo(digestOf(lines(S3ReportStore.PART_BYTES, 4)));
        assertThat(store.get("runs/none/failures.jsonl").orElseThrow()).isEmpty();
    }

    @Test
    void anUploadThatFailsIsAbortedAndNoPartOfItBecomesTheObject() throws Exception {
        ReportStore store = new S3ReportStore(s3, BUCKET);
        store.put("runs/again/failures.jsonl", "application/x-ndjson", lines(5_000, 1));
        CALLS.clear();
        ReportStore.Content cut = out -> {
            lines(S3ReportStore.PART_BYTES + 100, 2).writeTo(out);
            throw new IOException("the ledger went away");
        };
        assertThatThrownBy(() -> store.put("runs/again/failures.jsonl", "application/x-ndjson", cut))
                .hasMessageContaining("the ledger went away").hasMessageContaining("s3://" + BUCKET + "/runs/again/failures.jsonl");
        assertThat(CALLS).containsExactly("CreateMultipartUpload", "UploadPart", "AbortMultipartUpload");
        assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();

        // a failure before the first part is sent leaves nothing to abort, and nothing written
        CALLS.clear();
        assertThatThrownBy(() -> store.put("runs/never/failures.jsonl", "application/x-ndjson", out -> {
            out.write(1);
            throw new IllegalStateException("no ledger");
        })).hasMessage("no ledger");
        assertThat(CALLS).isEmpty();
        assertThat(store.get("runs/never/failures.jsonl")).isEmpty();
    }
}
