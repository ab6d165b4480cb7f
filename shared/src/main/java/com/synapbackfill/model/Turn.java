package com.synapbackfill.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One source row: a user turn and the assistant's answer, as read. Every field but {@code id} may be null
 * here; {@link com.synapbackfill.source.DocumentMapper} decides whether the row is usable.
 *
 * @param id             the row's id as text (bigint, UUID or text key)
 * @param userId         user id
 * @param customerId     customer id (optional for B2C)
 * @param conversationId the source's conversation id (any text; not necessarily a UUID)
 * @param messageIndex   position in the conversation
 * @param userText       what the user said
 * @param assistantText  what the assistant answered
 * @param createdAt      when the turn happened (already converted from the configured zone)
 * @param skipped        left out by the run's filter or cutover: counted as skipped, its text not read
 */
public record Turn(String id, String userId, String customerId, String conversationId, Long messageIndex,
                   String userText, String assistantText, Instant createdAt, boolean skipped) {
    public Turn {
        Objects.requireNonNull(id, "id");
    }

    /** A row the run takes. */
    public Turn(String id, String userId, String customerId, String conversationId, Long messageIndex,
                String userText, String assistantText, Instant createdAt) {
        this(id, userId, customerId, conversationId, messageIndex, userText, assistantText, createdAt, false);
    }
}
