package com.synapbackfill.synap;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.MemoryDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchBodyTest {
    @Test
    void assembledBodyIsTheBytesJacksonWritesForTheRequest() {
        List<MemoryDocument> docs = new ArrayList<>(WireSample.documents());
        docs.add(new MemoryDocument("quote \" backslash \\ tab \t nul \u0000 é 😀", "ai-chat-conversation", "d-3",
                "2025-01-01T00:00:00Z", "u", null, "fast", Map.of("nested", List.of(1, "two", Map.of("k", true)))));
        for (int n = 1; n <= docs.size(); n++) {
            List<MemoryDocument> some = docs.subList(0, n);
            byte[] expected = Json.writeBytes(new OkHttpSynapApi.BatchCreateRequest(some, false));
            assertThat(BatchBody.of(some)).as("%d documents", n).isEqualTo(expected);
            List<byte[]> encoded = some.stream().map(BatchBody::encode).toList();
            assertThat(BatchBody.assemble(encoded)).isEqualTo(expected);
            int docBytes = encoded.stream().mapToInt(e -> e.length).sum();
            assertThat(expected.length).isEqualTo(BatchBody.ENVELOPE_BYTES + docBytes + n - 1);
        }
    }
}
