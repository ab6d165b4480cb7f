package com.synapbackfill.worker;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.report.Receipt;
import com.synapbackfill.source.DocumentMapper.Mapped;
import com.synapbackfill.synap.BatchResult;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Sends mapped rows with batch_create and classifies every row: accepted, already present, or a failure
 * record. A whole-call 400/422 is split in halves until the offending documents are isolated; a 409 counts
 * the documents it names as already present and sends the rest again. A batch that keeps failing with a 5xx after the
 * client's retries is split the same way: when some of it goes through, Synap is up and the documents that alone still
 * fail are poison (Synap cannot take their content) and become failure items ({@code server_error_on_document}), never a
 * retry loop; when nothing goes through, it is an outage and the error propagates. Shared by the shard worker and the
 * failure retry, so both classify a row the same way. Retryable and blocking errors propagate.
 */
final class BatchSender {
    private final Clock clock;

    BatchSender(Clock clock) {
        this.clock = clock;
    }

    /** What one or more calls did; {@code failures} are new records for rows Synap refused. */
    static final class Tally {
        long calls;
        long throttled;
        long retries;
        long serverErrors;
        final List<Long> latencies = new ArrayList<>();
        final List<FailureRecord> failures = new ArrayList<>();
        /** Rows Synap accepted, and rows it already had (the failure retry resolves them one by one). */
        final List<Mapped> acceptedRows = new ArrayList<>();
        final List<Mapped> presentRows = new ArrayList<>();
        /** What Synap answered for each document it accepted or refused as present (a 409 names no ingestion id). */
        final List<Receipt> receipts = new ArrayList<>();

        long accepted() {
            return acceptedRows.size();
        }

        long present() {
            return presentRows.size();
        }
    }

    void send(String runId, int shardNo, List<Mapped> docs, SynapApi synap, Tally t) {
        try {
            sendOnce(runId, shardNo, docs, synap, t);
        } catch (RetryableException e) {
            if (!serverError(e) || docs.size() == 1 || !answers(synap)) throw e; // Synap down: an outage, retried later
            Isolation iso = new Isolation();
            isolate(runId, shardNo, docs, synap, t, iso);
            if (iso.succeeded == 0) throw e; // nothing goes through: an outage, not poison
            for (Mapped m : iso.suspects) {
                // Synap is up (part of the batch went through): a document that fails alone once more is poison; one that
                // goes through now failed while Synap was recovering
                try {
                    sendOnce(runId, shardNo, List.of(m), synap, t);
                    continue;
                } catch (RetryableException again) {
                    if (!serverError(again)) throw again;
                }
                t.failures.add(FailureRecord.of(runId, m.documentId(), m.turn().id(), shardNo, "server_error_on_document", e.httpStatus(),
                        "Synap failed this document alone, again and again, while the rest of its batch went through: " + e.getMessage(),
                        clock.millis()));
            }
        }
    }

    /** What a search for poison documents saw: calls that went through, and documents that failed alone. */
    private static final class Isolation {
        int succeeded;
        final List<Mapped> suspects = new ArrayList<>();
    }

    /** Whether Synap answers at all (whoami): a search for poison costs calls, and an outage must not pay them. */
    private static boolean answers(SynapApi synap) {
        try {
            synap.whoami();
            return true;
        } catch (RuntimeException down) {
            return false;
        }
    }

    private static boolean serverError(RetryableException e) {
        return "server_error".equals(e.errorClass()) && e.httpStatus() >= 500;
    }

    private void isolate(String runId, int shardNo, List<Mapped> docs, SynapApi synap, Tally t, Isolation iso) {
        int mid = docs.size() / 2;
        for (List<Mapped> half : List.of(docs.subList(0, mid), docs.subList(mid, docs.size()))) {
            try {
                sendOnce(runId, shardNo, half, synap, t);
                iso.succeeded++;
            } catch (RetryableException e) {
                if (!serverError(e)) throw e;
                if (half.size() == 1) iso.suspects.add(half.get(0));
                else isolate(runId, shardNo, half, synap, t, iso);
            }
        }
    }

    private void sendOnce(String runId, int shardNo, List<Mapped> docs, SynapApi synap, Tally t) {
        List<MemoryDocument> body = new ArrayList<>(docs.size());
        List<byte[]> encoded = new ArrayList<>(docs.size());
        for (Mapped m : docs) {
            body.add(m.document());
            encoded.add(m.json());
        }
        try {
            BatchResult result = synap.batchCreate(body, encoded);
            t.calls++;
            t.throttled += result.throttled();
            t.retries += result.retries();
            t.serverErrors += result.serverErrors();
            t.latencies.add(result.latencyMillis());
            long now = clock.millis();
            for (int i = 0; i < docs.size(); i++) {
                // the client matched the answer to the documents by id; a SynapApi that did not is refused here, never trusted
                BatchResult.ItemResult r = result.results().get(i);
                String sent = docs.get(i).documentId();
                if (sent != null && !sent.equals(r.documentId()))
                    throw new IllegalStateException("batch_create result " + i + " answers \"" + r.documentId() + "\", not the document sent there (\""
                            + sent + "\"): results must be matched to documents by document_id");
                if (!r.failed()) {
                    t.acceptedRows.add(docs.get(i));
                    t.receipts.add(new Receipt(docs.get(i).documentId(), r.ingestionId(), docs.get(i).turn().id(), shardNo, false));
                } else if (r.duplicate()) {
                    t.presentRows.add(docs.get(i));
                    t.receipts.add(new Receipt(docs.get(i).documentId(), r.ingestionId(), docs.get(i).turn().id(), shardNo, true));
                } else {
                    t.failures.add(FailureRecord.of(runId, docs.get(i).documentId(), docs.get(i).turn().id(), shardNo,
                            "item_failed", 200, (r.errorMessage() == null ? "failed" : r.errorMessage()) + result.trace(), now));
                }
            }
        } catch (PermanentException e) {
            t.calls++;
            if (e.kind() == PermanentException.Kind.CONFLICT) {
                conflict(runId, shardNo, docs, synap, t, e);
            } else if (e.kind() == PermanentException.Kind.MALFORMED_ANSWER) {
                // Synap's answer says nothing reliable of any of them: each fails with the reason and the correlation id
                long now = clock.millis();
                for (Mapped m : docs)
                    t.failures.add(FailureRecord.of(runId, m.documentId(), m.turn().id(), shardNo, "malformed_answer", 200, e.detail(), now));
            } else if (e.kind() == PermanentException.Kind.INVALID_INPUT) {
                if (docs.size() == 1) {
                    t.failures.add(FailureRecord.of(runId, docs.get(0).documentId(), docs.get(0).turn().id(), shardNo,
                            "invalid_input", e.httpStatus(), e.detail(), clock.millis()));
                } else {
                    bisect(runId, shardNo, docs, synap, t);
                }
            } else {
                // 404 or another 4xx on the batch endpoint: the deployment is wrong, not the rows
                throw new BlockedException(BlockedException.Reason.FORBIDDEN, "Synap answered " + e.httpStatus()
                        + " to batch_create (check SYNAP_BASE_URL): " + e.detail(), e.httpStatus());
            }
        }
    }

    private void bisect(String runId, int shardNo, List<Mapped> docs, SynapApi synap, Tally t) {
        int mid = docs.size() / 2;
        send(runId, shardNo, docs.subList(0, mid), synap, t);
        send(runId, shardNo, docs.subList(mid, docs.size()), synap, t);
    }

    /**
     * 409: the documents the answer names as duplicates of their document id are already present (docs/synap-api.md §5.3);
     * the rest is sent again, or split when none are named. A 409 on one document that names no duplicate of its id (a
     * transcript conflict, anything else) is a failure with its message, never "already present".
     */
    private void conflict(String runId, int shardNo, List<Mapped> docs, SynapApi synap, Tally t, PermanentException e) {
        // the ids the answer names in full (a trimmed detail would hide most of a 100-document batch)
        Set<String> ids = new HashSet<>(e.documentIds());
        String detail = e.detail() == null ? "" : e.detail();
        List<Mapped> rest = new ArrayList<>();
        List<Mapped> named = new ArrayList<>();
        for (Mapped m : docs) {
            if (m.documentId() != null && (ids.contains(m.documentId()) || detail.contains("\"" + m.documentId() + "\"")
                    || detail.contains(BatchResult.DUPLICATE_MESSAGE + ": " + m.documentId()))) named.add(m);
            else rest.add(m);
        }
        if (docs.size() == 1 && named.isEmpty() && detail.contains(BatchResult.DUPLICATE_CODE)) {
            // one document, refused as a duplicate of its id: the id it names can be no other
            t.presentRows.add(docs.get(0));
            return;
        }
        if (docs.size() == 1 && named.isEmpty()) {
            t.failures.add(FailureRecord.of(runId, docs.get(0).documentId(), docs.get(0).turn().id(), shardNo, "conflict", e.httpStatus(),
                    "Synap answered 409 without naming this document id as already stored: " + detail, clock.millis()));
            return;
        }
        if (named.isEmpty()) {
            bisect(runId, shardNo, docs, synap, t);
            return;
        }
        t.presentRows.addAll(named);
        if (!rest.isEmpty()) send(runId, shardNo, rest, synap, t);
    }
}
