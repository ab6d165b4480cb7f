package com.synapbackfill.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One unit the worker maps and sends: a user turn and the assistant's answer, as read. Every field but
 * {@code id} may be null here; {@link com.synapbackfill.source.DocumentMapper} decides whether it is usable.
 *
 * <p>Turn shape: one source row. Message shape: the messages of one turn paired (docs/design.md §2b), or one
 * message that takes no part in a turn (skipped by role or filter, or bad) — then {@code messages} is how many
 * source messages it stands for, and {@code position} is where the conversation's walk stands after it.
 *
 * @param id             the row's id as text (message shape: the id of the turn's first message)
 * @param userId         user id
 * @param customerId     customer id (optional for B2C)
 * @param conversationId the source's conversation id (any text; not necessarily a UUID)
 * @param messageIndex   position in the conversation (message shape: the turn's)
 * @param userText       what the user said
 * @param assistantText  what the assistant answered
 * @param createdAt      when the turn happened (already converted from the configured zone)
 * @param skipped        left out by the run's filter or cutover (or, message shape, its role): its text not read
 * @param position       the checkpoint after this item: the id (turn shape), or the conversation and the item's place in it
 * @param messages       source messages behind it (0 for the turn shape)
 * @param problem        why it cannot become a document, found while reading (an unreadable JSON text), or null
 * @param skipReason     why it was skipped ({@code filter}, {@code role:system}), or null
 * @param problemDetail  the value behind {@code problem} (a time that does not parse), or null
 */
public record Turn(String id, String userId, String customerId, String conversationId, Long messageIndex,
                   String userText, String assistantText, Instant createdAt, boolean skipped,
                   String position, int messages, BadRowReason problem, String skipReason, String problemDetail) {
    public Turn {
        Objects.requireNonNull(id, "id");
        if (position == null) position = id;
    }

    public Turn(String id, String userId, String customerId, String conversationId, Long messageIndex,
                String userText, String assistantText, Instant createdAt, boolean skipped,
                String position, int messages, BadRowReason problem, String skipReason) {
        this(id, userId, customerId, conversationId, messageIndex, userText, assistantText, createdAt, skipped, position, messages, problem,
                skipReason, null);
    }

    /** A row of the turn shape. */
    public Turn(String id, String userId, String customerId, String conversationId, Long messageIndex,
                String userText, String assistantText, Instant createdAt, boolean skipped) {
        this(id, userId, customerId, conversationId, messageIndex, userText, assistantText, createdAt, skipped, id, 0, null,
                skipped ? "filter" : null);
    }

    /** A row the run takes. */
    public Turn(String id, String userId, String customerId, String conversationId, Long messageIndex,
                String userText, String assistantText, Instant createdAt) {
        this(id, userId, customerId, conversationId, messageIndex, userText, assistantText, createdAt, false);
    }
}
