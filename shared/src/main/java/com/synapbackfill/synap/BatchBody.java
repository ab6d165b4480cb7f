package com.synapbackfill.synap;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.MemoryDocument;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The batch_create body, {@code {"documents":[...],"fail_fast":false}}, assembled from documents encoded once:
 * the worker encodes each document when it maps the row (its size counts against the batch byte cap) and the
 * body is those bytes joined, the same bytes Jackson writes for {@link OkHttpSynapApi.BatchCreateRequest}
 * (BatchBodyTest) without serializing the documents a second time.
 */
public final class BatchBody {
    private static final byte[] HEAD = "{\"documents\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "],\"fail_fast\":false}".getBytes(StandardCharsets.US_ASCII);
    /** Bytes of the body around its documents. */
    public static final int ENVELOPE_BYTES = HEAD.length + TAIL.length;

    private BatchBody() {
    }

    /** One document as it goes on the wire inside a batch body. */
    public static byte[] encode(MemoryDocument document) {
        return Json.writeBytes(document);
    }

    public static byte[] of(List<MemoryDocument> documents) {
        List<byte[]> encoded = new ArrayList<>(documents.size());
        for (MemoryDocument d : documents) encoded.add(encode(d));
        return assemble(encoded);
    }

    /** The body of documents already {@link #encode encoded}, in order. */
    public static byte[] assemble(List<byte[]> encoded) {
        int size = ENVELOPE_BYTES + Math.max(0, encoded.size() - 1);
        for (byte[] e : encoded) size += e.length;
        byte[] body = new byte[size];
        System.arraycopy(HEAD, 0, body, 0, HEAD.length);
        int at = HEAD.length;
        for (int i = 0; i < encoded.size(); i++) {
            if (i > 0) body[at++] = ',';
            byte[] e = encoded.get(i);
            System.arraycopy(e, 0, body, at, e.length);
            at += e.length;
        }
        System.arraycopy(TAIL, 0, body, at, TAIL.length);
        return body;
    }
}
