package com.synapbackfill.synap;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.error.RetryableException;
import java.util.ArrayList;
import java.util.List;

/** Synap's 200 answers read strictly (docs/synap-api.md §4): a missing key or a wrong count is a clear error, never an NPE. */
final class SynapAnswers {
    private SynapAnswers() {
    }

    /** Parses §4.2: the required keys and a known status, else a clear malformed-response error. */
    static IngestionStatus parseStatus(JsonNode json, String asked) {
        if (json == null || !json.isObject()) throw malformed("the status body is not a JSON object");
        for (String key : List.of("ingestion_id", "document_id", "status")) {
            if (!json.hasNonNull(key)) throw malformed("the status of " + asked + " is missing \"" + key + "\"");
        }
        String status = json.get("status").asText();
        if (!List.of("queued", "processing", "completed", "failed", "partial_success").contains(status))
            throw malformed("the status of " + asked + " is \"" + status + "\"");
        List<String> ids = new ArrayList<>();
        for (JsonNode id : json.path("memory_ids")) ids.add(id.asText());
        return new IngestionStatus(json.get("ingestion_id").asText(), json.get("document_id").asText(), status,
                json.path("memories_created").asInt(0), ids,
                json.hasNonNull("error_message") ? json.get("error_message").asText() : null);
    }

    /** Parses §4.1; a missing key or a result count that does not match is a clear error, never an NPE. */
    static BatchResult parseBatch(JsonNode json, int sent, long latency, int attempts, int throttled) {
        if (json == null || !json.isObject()) throw malformed("the body is not a JSON object");
        for (String key : List.of("batch_id", "total", "succeeded", "failed", "results")) {
            if (!json.has(key) || json.get(key).isNull()) throw malformed("missing \"" + key + "\"");
        }
        JsonNode results = json.get("results");
        if (!results.isArray()) throw malformed("\"results\" is not an array");
        if (results.size() != sent) throw malformed("\"results\" has " + results.size() + " entries for " + sent + " documents");
        List<BatchResult.ItemResult> items = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            for (String key : List.of("ingestion_id", "document_id", "status")) {
                if (!r.hasNonNull(key)) throw malformed("results[" + i + "] is missing \"" + key + "\"");
            }
            String status = r.get("status").asText();
            if (!List.of("queued", "processing", "completed", "failed", "partial_success").contains(status))
                throw malformed("results[" + i + "].status is \"" + status + "\"");
            items.add(new BatchResult.ItemResult(r.get("ingestion_id").asText(), r.get("document_id").asText(), status,
                    r.path("queued_at").asText(null), r.hasNonNull("error_message") ? r.get("error_message").asText() : null));
        }
        return new BatchResult(json.get("batch_id").asText(), json.get("total").asInt(), json.get("succeeded").asInt(),
                json.get("failed").asInt(), items, latency, attempts, throttled);
    }

    static RetryableException malformed(String what) {
        return new RetryableException("malformed_response", "Synap answered 200 but " + what, 200, null, null);
    }
}
