package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * {@code GET /api/v1/memories/status/{ingestion_id}}: authenticated and counted against the Instance's rate limit like
 * any call; the document's extraction moves {@code queued → processing → terminal} on its own schedule
 * ({@link ExtractionModel}, on the emulator's clock).
 */
final class StatusEndpoint {
    private final LiveSettings live;
    private final EmulatorStats stats;
    private final KeyRing keys;
    private final CallGate gate;
    private final DocumentStore store;

    StatusEndpoint(LiveSettings live, EmulatorStats stats, KeyRing keys, CallGate gate, DocumentStore store) {
        this.live = live;
        this.stats = stats;
        this.keys = keys;
        this.gate = gate;
        this.store = store;
    }

    Reply status(Call call, String ingestionId) {
        stats.statusCalls.increment();
        EmulatorSettings s = live.settings();
        EmulatorSettings.Instance inst = keys.authenticate(call, s);
        gate.pass(s, inst, 1);
        StoredDocument doc = store.ingestion(ingestionId).orElse(null);
        if (doc == null || !doc.instanceId().equals(inst.instanceId()))
            return Reply.error(404, "Ingestion not found: " + ingestionId);
        ExtractionModel.Outcome o = ExtractionModel.outcome(doc.documentId(), s);
        long queuedAt = doc.queuedAtEpochMillis();
        long elapsed = live.clock().millis() - queuedAt;
        String status = elapsed >= o.delayMillis() ? o.status() : elapsed >= o.delayMillis() / 3 ? "processing" : "queued";
        ObjectNode r = Reply.obj().put("ingestion_id", ingestionId).put("document_id", doc.documentId())
                .put("status", status).put("queued_at", Instant.ofEpochMilli(queuedAt).toString());
        if (status.equals("queued")) r.putNull("started_at");
        else r.put("started_at", Instant.ofEpochMilli(queuedAt + o.delayMillis() / 3).toString());
        boolean terminal = !status.equals("queued") && !status.equals("processing");
        if (terminal) r.put("completed_at", Instant.ofEpochMilli(queuedAt + o.delayMillis()).toString());
        else r.putNull("completed_at");
        int memories = terminal ? o.memories() : 0;
        r.put("memories_created", memories);
        ArrayNode ids = r.putArray("memory_ids");
        for (int i = 0; i < memories; i++)
            ids.add("mem_" + ingestionId.replace("-", "").substring(0, 14) + String.format("%02d", i));
        if (terminal && o.error() != null) r.put("error_message", o.error());
        else r.putNull("error_message");
        return Reply.json(200, r);
    }
}
