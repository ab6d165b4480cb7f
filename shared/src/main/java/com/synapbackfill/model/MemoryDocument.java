package com.synapbackfill.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One item of Synap's {@code POST /api/v1/memories/batch} body, field for field as the official SDK sends it
 * (docs/synap-api.md §3.2: snake_case, this key order, unset values as null), including the {@code scope} key SDK 0.6
 * added after {@code customer_id}.
 *
 * @param document          the text, {@code "User: …\nAssistant: …"}
 * @param documentType      {@code ai-chat-conversation} unless configured
 * @param documentId        stable id derived from the row, so a resend is never a second memory
 * @param documentCreatedAt the row's original time, ISO-8601 UTC with {@code Z}
 * @param userId            external user id
 * @param customerId        external customer id (null on B2C when absent)
 * @param scope             the scope rung a write belongs to (SDK ≥ 0.6: only for nested-scope accounts); null
 * @param mode              {@code long-range} or {@code fast}
 * @param metadata          conversation_id (UUID), source, message_index, run_id, source_conversation_id
 */
@JsonPropertyOrder({"document", "document_type", "document_id", "document_created_at", "user_id", "customer_id",
        "scope", "mode", "metadata"})
public record MemoryDocument(
        @JsonProperty("document") String document,
        @JsonProperty("document_type") String documentType,
        @JsonProperty("document_id") String documentId,
        @JsonProperty("document_created_at") String documentCreatedAt,
        @JsonProperty("user_id") String userId,
        @JsonProperty("customer_id") String customerId,
        @JsonProperty("scope") Map<String, String> scope,
        @JsonProperty("mode") String mode,
        @JsonProperty("metadata") Map<String, Object> metadata) {
    public MemoryDocument {
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(documentType, "documentType");
        Objects.requireNonNull(mode, "mode");
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        scope = scope == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(scope));
    }

    /** A document without a scope rung (what a backfill sends: Synap derives scope from user/customer ids). */
    public MemoryDocument(String document, String documentType, String documentId, String documentCreatedAt,
                          String userId, String customerId, String mode, Map<String, Object> metadata) {
        this(document, documentType, documentId, documentCreatedAt, userId, customerId, null, mode, metadata);
    }
}
