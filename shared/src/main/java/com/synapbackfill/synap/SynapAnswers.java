package com.synapbackfill.synap;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.error.RetryableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        if (!STATUSES.contains(status))
            throw malformed("the status of " + asked + " is \"" + status + "\"");
        List<String> ids = new ArrayList<>();
        for (JsonNode id : json.path("memory_ids")) ids.add(id.asText());
        return new IngestionStatus(json.get("ingestion_id").asText(), json.get("document_id").asText(), status,
                json.path("memories_created").asInt(0), ids,
                json.hasNonNull("error_message") ? json.get("error_message").asText() : null);
    }

    /**
     * Parses §4.1 and matches every result to the document it answers by {@code document_id}, never by position: the
     * results come back in the order of {@code sentIds}. A result whose id was not sent, a document with no result, a
     * second result for one document, a missing key or an unknown status makes the answer malformed. A document sent
     * without an id (Synap assigns one) takes, in order, a result whose id is none of the sent ones.
     */
    static BatchResult parseBatch(JsonNode json, List<String> sentIds, long latency, int attempts, int throttled) {
        if (json == null || !json.isObject()) throw malformed("the body is not a JSON object");
        for (String key : List.of("batch_id", "total", "succeeded", "failed", "results")) {
            if (!json.has(key) || json.get(key).isNull()) throw malformed("missing \"" + key + "\"");
        }
        JsonNode results = json.get("results");
        if (!results.isArray()) throw malformed("\"results\" is not an array");
        if (results.size() != sentIds.size()) throw malformed("\"results\" has " + results.size() + " entries for " + sentIds.size() + " documents");
        // where each sent id stands (an id sent twice stands twice: its results fill its places in order)
        Map<String, ArrayDeque<Integer>> places = new HashMap<>();
        ArrayDeque<Integer> unnamed = new ArrayDeque<>();
        for (int i = 0; i < sentIds.size(); i++) {
            if (sentIds.get(i) == null) unnamed.add(i);
            else places.computeIfAbsent(sentIds.get(i), k -> new ArrayDeque<>()).add(i);
        }
        BatchResult.ItemResult[] matched = new BatchResult.ItemResult[sentIds.size()];
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            if (!r.isObject()) throw malformed("results[" + i + "] is not an object");
            for (String key : List.of("ingestion_id", "document_id", "status")) {
                if (!r.hasNonNull(key)) throw malformed("results[" + i + "] is missing \"" + key + "\"");
            }
            String status = r.get("status").asText();
            if (!STATUSES.contains(status)) throw malformed("results[" + i + "].status is \"" + status + "\"");
            String id = r.get("document_id").asText();
            ArrayDeque<Integer> at = places.get(id);
            Integer place = at != null ? at.poll() : null;
            if (place == null && at == null) place = unnamed.poll();
            if (place == null) {
                throw malformed(at != null ? "results[" + i + "] answers document \"" + id + "\" a second time"
                        : "results[" + i + "] answers document \"" + id + "\", which the call did not send");
            }
            matched[place] = new BatchResult.ItemResult(r.get("ingestion_id").asText(), id, status, r.path("queued_at").asText(null),
                    r.hasNonNull("error_message") ? r.get("error_message").asText() : null, r.path("code").asText(null));
        }
        for (int i = 0; i < matched.length; i++) {
            if (matched[i] == null) throw malformed("no result answers document \"" + sentIds.get(i) + "\"");
        }
        return new BatchResult(json.get("batch_id").asText(), json.get("total").asInt(), json.get("succeeded").asInt(),
                json.get("failed").asInt(), List.of(matched), latency, attempts, throttled);
    }

    private static final List<String> STATUSES = List.of("queued", "processing", "completed", "failed", "partial_success");

    /** The error class of an answer that does not hold what §4 says it must. */
    static final String MALFORMED = "malformed_response";

    static RetryableException malformed(String what) {
        return new RetryableException(MALFORMED, "Synap answered 200 but " + what, 200, null, null);
    }
}
