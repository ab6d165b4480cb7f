package com.synapbackfill.worker;

import com.synapbackfill.error.BackfillException;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import com.synapbackfill.testing.InMemoryTurnSource;
import com.synapbackfill.synap.BatchResult;
import com.synapbackfill.synap.SynapApi;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/** Hand-written fakes for ShardWorker unit tests (the integration tests use the real parts). */
final class Fakes {
    private Fakes() {
    }

    static Turn turn(long id) {
        return new Turn(Long.toString(id), "u-1", "c-1", "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162", id, "hello " + id, "hi",
                Instant.parse("2025-01-01T00:00:00Z").plusSeconds(id));
    }

    /** Turns with bigint ids, in memory (the shared {@link InMemoryTurnSource}). */
    static class Source extends InMemoryTurnSource {
        Source(List<Turn> turns) {
            super(turns);
        }
    }

    /** A scripted Synap: records every call; {@code behaviour} may throw or shape the answer. */
    static class Synap implements SynapApi {
        final List<List<MemoryDocument>> calls = new ArrayList<>();
        final Set<String> stored = new HashSet<>();
        Function<List<MemoryDocument>, BackfillException> failWith = docs -> null;
        Function<MemoryDocument, String> itemError = d -> null;

        @Override
        public synchronized BatchResult batchCreate(List<MemoryDocument> documents) {
            calls.add(List.copyOf(documents));
            BackfillException e = failWith.apply(documents);
            if (e != null) throw e;
            List<BatchResult.ItemResult> items = new ArrayList<>();
            for (MemoryDocument d : documents) {
                String err = itemError.apply(d);
                if (err == null && !stored.add(d.documentId())) err = "document_id already ingested";
                items.add(new BatchResult.ItemResult(UUID.randomUUID().toString(), d.documentId(), err == null ? "queued" : "failed",
                        "2026-01-01T00:00:00Z", err));
            }
            return new BatchResult(UUID.randomUUID().toString(), documents.size(), documents.size(), 0, items, 5, 1, 0);
        }

        @Override
        public com.synapbackfill.synap.IngestionStatus status(String ingestionId) {
            throw new UnsupportedOperationException("the fake does not track extraction");
        }

        @Override
        public Identity whoami() {
            return new Identity("cli_0123456789abcdef", "inst_0123456789abcdef");
        }
    }
}
