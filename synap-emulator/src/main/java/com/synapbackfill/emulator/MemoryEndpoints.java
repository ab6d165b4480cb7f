package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code POST /api/v1/memories/batch} and {@code POST /api/v1/memories/create}: a call passes the key, the gate and
 * the injected faults, its documents are validated, paid for and admitted under the duplicate policy, and the answer
 * says per document what became of it (docs/synap-api.md §3–§5).
 */
final class MemoryEndpoints {
    private final ObjectMapper mapper;
    private final LiveSettings live;
    private final EmulatorStats stats;
    private final KeyRing keys;
    private final CallGate gate;
    private final DocumentStore store;
    private final FaultPlan faults;
    /** Batch calls answered so far, for the lies told on every n-th of them. */
    private final java.util.concurrent.atomic.AtomicLong batchCalls = new java.util.concurrent.atomic.AtomicLong();

    MemoryEndpoints(ObjectMapper mapper, LiveSettings live, EmulatorStats stats, KeyRing keys, CallGate gate,
                    DocumentStore store, FaultPlan faults) {
        this.mapper = mapper;
        this.live = live;
        this.stats = stats;
        this.keys = keys;
        this.gate = gate;
        this.store = store;
        this.faults = faults;
    }

    Reply batch(Call call) {
        stats.batchCalls.increment();
        EmulatorSettings s = live.settings();
        EmulatorSettings.Instance inst = keys.authenticate(call, s);
        gate.pass(s, inst, 1);
        FaultPlan.Fault fault = injected(faults.draw(s), s);
        EmulatorSettings.Lies lies = s.lies();
        boolean lying = lies.any() && batchCalls.incrementAndGet() % lies.every() == 0;
        if (lying && lies.modes().contains(EmulatorSettings.Lie.HUGE_RETRY_AFTER)) {
            stats.rateLimited.increment();
            throw Reply.error(429, "Rate limit exceeded for this instance").withHeader("Retry-After", "1000000000").refusal();
        }
        JsonNode root = parse(call.body(), true);
        JsonNode docs = documents(root, s);
        if (s.rateLimitUnit() == EmulatorSettings.RateLimitUnit.DOCUMENT && docs.size() > 1)
            gate.take(s, inst, docs.size() - 1, docs.size());
        if (s.poison() != null) {
            for (JsonNode d : docs) {
                if (d.path("document").asText("").contains(s.poison())) return Reply.error(500, "Internal Server Error");
            }
        }
        boolean failFast = root.path("fail_fast").asBoolean(false);
        stats.documentsReceived.add(docs.size());
        List<DocumentValidator.Candidate> candidates = validated(docs, inst, s, failFast);
        if (lies.refuse() != null) refuse(docs, candidates, lies);
        Instant now = live.clock().instant();
        CreditWallet w = live.wallet();
        if (w != null) {
            int chargeable = (int) candidates.stream().filter(c -> c.error == null).count();
            if (!w.covers(chargeable)) return Reply.json(402, w.insufficientBody(chargeable));
        }
        ObjectNode resp = Reply.obj().put("batch_id", fastUuid());
        ArrayNode results = Reply.array();
        synchronized (store) { // one writer at a time keeps "accepted once" exact under concurrent duplicates
            if (s.duplicatePolicy() == EmulatorSettings.DuplicatePolicy.CONFLICT) refuseConflicts(inst, candidates);
            for (DocumentValidator.Candidate c : candidates) results.add(result(c, inst, s, now, w));
        }
        int succeeded = 0;
        for (JsonNode r : results) if (r.get("status").asText().equals("queued")) succeeded++;
        resp.put("total", candidates.size()).put("succeeded", succeeded).put("failed", candidates.size() - succeeded);
        resp.set("results", lie(results, lies, lying));
        if (lying && lies.modes().contains(EmulatorSettings.Lie.HTML_200))
            return Reply.html(200, "<!doctype html><html><head><title>Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>");
        if (fault == FaultPlan.Fault.ACCEPT_THEN_SLOW) {
            stats.acceptedThenSlow.increment();
            return Reply.json(200, resp).after(s.faults().slowDelay().toMillis());
        }
        return Reply.json(200, resp).after(faults.latencyMillis(s));
    }

    Reply create(Call call) {
        stats.createCalls.increment();
        EmulatorSettings s = live.settings();
        EmulatorSettings.Instance inst = keys.authenticate(call, s);
        gate.pass(s, inst, 1);
        JsonNode d = parse(call.body(), false);
        DocumentValidator.Candidate c = DocumentValidator.validate(d, inst, s);
        if (c.error != null) return Reply.error(400, c.error);
        Instant now = live.clock().instant();
        String ingestionId = fastUuid();
        String docId = c.documentId != null ? c.documentId : assignedId();
        CreditWallet w = live.wallet();
        if (w != null && !w.covers(1)) return Reply.json(402, w.insufficientBody(1));
        StoredDocument doc = c.toStored(inst.instanceId(), docId, ingestionId, now.toEpochMilli());
        if (store.admit(doc, s.duplicatePolicy()) == DocumentStore.Admission.DUPLICATE)
            return Reply.error(409, "document_id already ingested: " + docId);
        if (w != null) w.charge(1);
        return Reply.json(200, Reply.obj().put("ingestion_id", ingestionId).put("document_id", docId)
                .put("status", "queued").put("queued_at", now.toString())).after(faults.latencyMillis(s));
    }

    /** Documents whose text holds the refuse marker are refused per item (worded as a duplicate of something, if so told). */
    private static void refuse(JsonNode docs, List<DocumentValidator.Candidate> candidates, EmulatorSettings.Lies lies) {
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).error == null && docs.get(i).path("document").asText("").contains(lies.refuse()))
                candidates.get(i).error = lies.modes().contains(EmulatorSettings.Lie.DUPLICATE_WORDING)
                        ? "rejected: duplicate key 'source' in metadata" : "rejected: the content policy refused this document";
        }
    }

    /** The results as a lying Synap gives them: reversed (always, when told), a queued one under a foreign id, the last left out. */
    private static ArrayNode lie(ArrayNode results, EmulatorSettings.Lies lies, boolean lying) {
        ArrayNode out = results;
        if (lies.modes().contains(EmulatorSettings.Lie.REVERSED_RESULTS)) {
            out = Reply.array();
            for (int i = results.size() - 1; i >= 0; i--) out.add(results.get(i));
        }
        if (lying && lies.modes().contains(EmulatorSettings.Lie.FOREIGN_IDS)) {
            for (JsonNode r : out) {
                if (r.path("status").asText().equals("queued")) {
                    ((ObjectNode) r).put("document_id", "foreign-" + fastUuid());
                    break;
                }
            }
        }
        if (lying && lies.modes().contains(EmulatorSettings.Lie.SHORT_RESULTS) && !out.isEmpty()) out.remove(out.size() - 1);
        return out;
    }

    /** The fault drawn for a batch: the ones that answer at once are thrown; the rest come back. */
    private FaultPlan.Fault injected(FaultPlan.Fault fault, EmulatorSettings s) {
        switch (fault) {
            case ERROR_500 -> throw Reply.error(500, "Internal Server Error").refusal();
            case ERROR_503 -> throw Reply.error(503, "Service temporarily unavailable").refusal();
            case DROP -> {
                stats.dropped.increment();
                throw new Reply.DropConnection();
            }
            case BURST_429 -> throw gate.rateLimited(s, 1).refusal();
            default -> {
                return fault;
            }
        }
    }

    private JsonNode parse(byte[] body, boolean detailed) {
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw Reply.invalid("body", detailed ? "Invalid JSON: " + firstLine(e.getMessage()) : "Invalid JSON").refusal();
        }
    }

    /** The batch's {@code documents} array, or the 422 that it is missing or longer than the settings allow. */
    private static JsonNode documents(JsonNode root, EmulatorSettings s) {
        JsonNode docs = root == null ? null : root.get("documents");
        if (docs == null || !docs.isArray())
            throw Reply.invalid("body.documents", "Field required (an array of documents)").refusal();
        if (docs.size() > s.maxDocumentsPerBatch())
            throw Reply.invalid("body.documents", "List should have at most " + s.maxDocumentsPerBatch()
                    + " items after validation, not " + docs.size()).refusal();
        return docs;
    }

    /** Every document checked first; under {@code fail_fast} the first invalid one refuses the batch with a 400. */
    private static List<DocumentValidator.Candidate> validated(JsonNode docs, EmulatorSettings.Instance inst,
                                                              EmulatorSettings s, boolean failFast) {
        List<DocumentValidator.Candidate> candidates = new ArrayList<>(docs.size());
        for (JsonNode d : docs) candidates.add(DocumentValidator.validate(d, inst, s));
        for (int i = 0; failFast && i < candidates.size(); i++) {
            if (candidates.get(i).error != null)
                throw Reply.error(400, "documents[" + i + "]: " + candidates.get(i).error).refusal();
        }
        return candidates;
    }

    private void refuseConflicts(EmulatorSettings.Instance inst, List<DocumentValidator.Candidate> candidates) {
        List<String> conflicts = store.conflicts(inst.instanceId(), candidates);
        if (conflicts.isEmpty()) return;
        stats.duplicates.add(conflicts.size());
        ObjectNode detail = Reply.obj().put("code", "duplicate_document_id")
                .put("message", conflicts.size() + " document_id(s) already ingested");
        ArrayNode ids = detail.putArray("document_ids");
        conflicts.forEach(ids::add);
        throw Reply.json(409, Reply.obj().set("detail", detail)).refusal();
    }

    /** One document's entry in the batch's results: queued (admitted and charged), or failed with its reason. */
    private ObjectNode result(DocumentValidator.Candidate c, EmulatorSettings.Instance inst, EmulatorSettings s,
                              Instant now, CreditWallet w) {
        String ingestionId = fastUuid();
        String docId = c.documentId != null ? c.documentId : assignedId();
        ObjectNode r = Reply.obj().put("ingestion_id", ingestionId).put("document_id", docId);
        String queuedAt = now.toString();
        if (c.error != null) {
            stats.itemFailures.increment();
            return r.put("status", "failed").put("queued_at", queuedAt).put("error_message", c.error);
        }
        StoredDocument doc = c.toStored(inst.instanceId(), docId, ingestionId, now.toEpochMilli());
        if (store.admit(doc, s.duplicatePolicy()) == DocumentStore.Admission.DUPLICATE)
            return r.put("status", "failed").put("queued_at", queuedAt).put("error_message", "document_id already ingested");
        if (w != null) w.charge(1);
        return r.put("status", "queued").put("queued_at", queuedAt).putNull("error_message");
    }

    private static String assignedId() {
        return "doc_" + fastUuid().replace("-", "").substring(0, 16);
    }

    /**
     * A random version-4 UUID from ThreadLocalRandom: the emulator hands out hundreds of ids per call, and
     * UUID.randomUUID()'s SecureRandom would make it the bottleneck of the project's own benchmarks.
     */
    static String fastUuid() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
