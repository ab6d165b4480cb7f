package com.synapbackfill.synap;

import com.synapbackfill.model.MemoryDocument;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the batch body this client sends for two fixed documents (one with every field, one with the
 * optional ones null). {@code scripts/synap-conformance} sends the same documents through the official
 * Python SDK and compares the two bodies key by key and type by type.
 */
public final class WireSample {
    private WireSample() {
    }

    public static List<MemoryDocument> documents() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("conversation_id", "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162");
        meta.put("source", "backfill");
        meta.put("message_index", 3);
        return List.of(
                new MemoryDocument("User: I switched to oat milk.\nAssistant: Noted.", "ai-chat-conversation",
                        "backfill:0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162:3", "2025-03-02T09:15:00Z", "u-17", "acme",
                        "long-range", meta),
                new MemoryDocument("Refunds are accepted within 30 days.", "document", null, null, null, null, "fast", Map.of()));
    }

    /** The documents of {@link #ESTIMATE} in {@code long-range}: what {@code estimate} prints the Java client's credits body for. */
    public static final long ESTIMATE = 250;

    /** {@code WireSample} prints the batch body; {@code WireSample estimate} the credits estimate body. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("estimate"))
            System.out.println(new String(OkHttpSynapApi.estimateBody(ESTIMATE, "long-range"), StandardCharsets.UTF_8));
        else
            System.out.println(new String(OkHttpSynapApi.body(documents()), StandardCharsets.UTF_8));
    }
}
