package com.synapbackfill.source;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which source column holds what (DESIGN §2). Defaults match Synap's replay pattern. {@code customerId} may
 * be null when the table has no such column.
 */
public record ColumnMapping(String id, String userId, String customerId, String conversationId,
                            String messageIndex, String userText, String assistantText, String createdAt) {
    public static final ColumnMapping DEFAULT = new ColumnMapping("id", "user_id", "customer_id", "conversation_id",
            "message_index", "user_text", "assistant_text", "created_at");

    @JsonCreator
    public ColumnMapping(@JsonProperty("id") String id, @JsonProperty("userId") String userId,
                         @JsonProperty("customerId") String customerId,
                         @JsonProperty("conversationId") String conversationId,
                         @JsonProperty("messageIndex") String messageIndex, @JsonProperty("userText") String userText,
                         @JsonProperty("assistantText") String assistantText,
                         @JsonProperty("createdAt") String createdAt) {
        this.id = SqlIdentifiers.requireName("columns.id", id == null ? "id" : id);
        this.userId = SqlIdentifiers.requireName("columns.userId", userId == null ? "user_id" : userId);
        this.customerId = customerId == null || customerId.isEmpty() ? null : SqlIdentifiers.requireName("columns.customerId", customerId);
        this.conversationId = SqlIdentifiers.requireName("columns.conversationId", conversationId == null ? "conversation_id" : conversationId);
        this.messageIndex = SqlIdentifiers.requireName("columns.messageIndex", messageIndex == null ? "message_index" : messageIndex);
        this.userText = SqlIdentifiers.requireName("columns.userText", userText == null ? "user_text" : userText);
        this.assistantText = SqlIdentifiers.requireName("columns.assistantText", assistantText == null ? "assistant_text" : assistantText);
        this.createdAt = SqlIdentifiers.requireName("columns.createdAt", createdAt == null ? "created_at" : createdAt);
    }
}
