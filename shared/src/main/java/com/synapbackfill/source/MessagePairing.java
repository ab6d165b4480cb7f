package com.synapbackfill.source;

import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.Turn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pairs the messages of one conversation into turns (docs/design.md §2b). Pure and deterministic: the same
 * messages in the same order always give the same items, so a checkpoint inside a conversation ("its first k
 * items are handled") means the same after a crash.
 *
 * <p>The rules, as the README states them: walk a conversation in order; skipped and bad messages take no part (a
 * message whose role is neither the user's nor the assistant's is skipped by its role, whatever else it holds).
 * A user message opens a turn; consecutive user messages join it ({@code \n}); the assistant messages that
 * follow, until the next user message, are its answer ({@code \n}). A user message with no text is skipped, but ends
 * the turn before it (the answers after it form their own turn). Assistant messages before any user message
 * form one assistant-only turn; a user message with no answer is a user-only turn. A turn's time, id, user and
 * customer are its first message's (user and customer: the first message that has one).
 *
 * <p>Items come out in the order their first message has in the walk; each has a {@link Turn#position()} of
 * {@code SEQ:CONVERSATION}, SEQ its 0-based place among the conversation's items.
 */
public final class MessagePairing {
    private MessagePairing() {
    }

    /**
     * One source message as read.
     *
     * @param kind       "user", "assistant", or null for any other role
     * @param role       the role value as stored (for the skip reason)
     * @param text       the text found, or null
     * @param problem    why the text could not be read, or null
     * @param skipReason left out by the run's filter or cutover ("filter"), or null
     * @param detail     the value behind {@code problem}, or null
     * @param parentId   the message it answers or follows, when the mapping names a parent (null: a root, or no parent mapped)
     */
    public record Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                          String text, BadRowReason problem, Instant createdAt, String skipReason, String detail, String parentId) {
        public Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                       String text, BadRowReason problem, Instant createdAt, String skipReason) {
            this(id, conversationId, userId, customerId, kind, role, text, problem, createdAt, skipReason, null, null);
        }

        public Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                       String text, BadRowReason problem, Instant createdAt, String skipReason, String detail) {
            this(id, conversationId, userId, customerId, kind, role, text, problem, createdAt, skipReason, detail, null);
        }

        /** This message, left out for {@code reason} (unless something left it out already). */
        Message skippedAs(String reason) {
            return skipReason != null ? this : new Message(id, conversationId, userId, customerId, kind, role, text, problem, createdAt,
                    reason, detail, parentId);
        }
    }

    /** The skip reason of a message on a branch the user left (an earlier answer regenerated, an edit's old path). */
    public static final String SUPERSEDED = "branch:superseded";

    /**
     * The branch rule, where the mapping names a parent (docs: "Branches"): with {@code currentId} (the leaf the user last
     * saw), the path from it to its root is the conversation and everything else is superseded; without one, when
     * several messages share a parent the latest (in the conversation's order) stays with its descendants, and the
     * earlier ones and theirs are superseded. A message whose parent is not among the messages (hard-deleted) is kept,
     * as a root: a deletion never drops the history before it. Pure; the order of {@code messages} is kept.
     */
    public static List<Message> branches(List<Message> messages, String currentId) {
        java.util.Map<String, Message> byId = new java.util.LinkedHashMap<>();
        for (Message m : messages) if (m.id() != null) byId.putIfAbsent(m.id(), m);
        java.util.Set<String> keep = new java.util.HashSet<>();
        if (currentId != null && byId.containsKey(currentId)) {
            String at = currentId;
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (at != null && byId.containsKey(at) && seen.add(at)) {
                keep.add(at);
                at = byId.get(at).parentId();
            }
        } else {
            // the latest child of each parent stays; roots (no parent, or a parent not here) all stay
            java.util.Map<String, String> latestChild = new java.util.HashMap<>();
            for (Message m : messages) {
                String p = m.parentId();
                if (p != null && byId.containsKey(p)) latestChild.put(p, m.id()); // in order: the last one wins
            }
            for (Message m : messages) {
                if (m.id() == null) continue;
                boolean alive = true;
                String at = m.id();
                java.util.Set<String> seen = new java.util.HashSet<>();
                while (alive && at != null && seen.add(at)) {
                    Message x = byId.get(at);
                    String p = x == null ? null : x.parentId();
                    if (p == null || !byId.containsKey(p)) break; // a root: the walk up ends here
                    if (!at.equals(latestChild.get(p))) alive = false;
                    at = p;
                }
                if (alive) keep.add(m.id());
            }
        }
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) out.add(m.id() == null || keep.contains(m.id()) ? m : m.skippedAs(SUPERSEDED));
        return out;
    }

    /** The position token of item {@code seq} of a conversation. */
    public static String position(int seq, String conversationId) {
        return seq + ":" + conversationId;
    }

    /** The item number of a position token. */
    public static int seq(String position) {
        int colon = position.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("not a message-shape checkpoint: \"" + position + "\"");
        return Integer.parseInt(position.substring(0, colon));
    }

    /** The conversation of a position token. */
    public static String conversation(String position) {
        return position.substring(position.indexOf(':') + 1);
    }

    /** Items of one conversation's messages, in walk order. */
    public static List<Turn> pair(List<Message> messages) {
        List<Turn> items = new ArrayList<>();
        Open open = null;
        long turnNo = 0;
        for (Message m : messages) {
            if (m.skipReason() != null) {
                items.add(skipped(items.size(), m, m.skipReason()));
            } else if (m.kind() == null) {
                // the role decides first: a message of another role is skipped whatever its text or time hold
                items.add(skipped(items.size(), m, "role:" + (m.role() == null ? "null" : m.role())));
            } else if (m.problem() != null) {
                items.add(new Turn(m.id(), m.userId(), m.customerId(), m.conversationId(), null, null, null, m.createdAt(), false,
                        position(items.size(), m.conversationId()), 1, m.problem(), null, m.detail()));
            } else if (m.text() == null || m.text().isBlank()) {
                // a user message with no text (an image-only question, a resume marker) still ends the turn before it:
                // the answers after it are not that turn's
                if (m.kind().equals("user") && open != null) {
                    items.set(open.slot, open.turn(turnNo++));
                    open = null;
                }
                items.add(skipped(items.size(), m, "empty_text"));
            } else if (m.kind().equals("user")) {
                if (open != null && !open.assistant.isEmpty()) {
                    items.set(open.slot, open.turn(turnNo++));
                    open = null;
                }
                if (open == null) open = new Open(m, reserve(items));
                open.add(m, open.user);
            } else {
                if (open == null) open = new Open(m, reserve(items));
                open.add(m, open.assistant);
            }
        }
        if (open != null) items.set(open.slot, open.turn(turnNo));
        return items;
    }

    /** A place in the item list for a turn that is still open (its first message fixes where it stands). */
    private static int reserve(List<Turn> items) {
        items.add(null);
        return items.size() - 1;
    }

    private static Turn skipped(int seq, Message m, String reason) {
        return new Turn(m.id(), m.userId(), m.customerId(), m.conversationId(), null, null, null, m.createdAt(), true,
                position(seq, m.conversationId()), 1, null, reason);
    }

    private static final class Open {
        final Message first;
        final int slot;
        final List<String> user = new ArrayList<>();
        final List<String> assistant = new ArrayList<>();
        String userId;
        String customerId;
        int messages;

        Open(Message first, int slot) {
            this.first = first;
            this.slot = slot;
        }

        void add(Message m, List<String> side) {
            side.add(m.text());
            messages++;
            if (blank(userId) && !blank(m.userId())) userId = m.userId();
            if (blank(customerId) && !blank(m.customerId())) customerId = m.customerId();
        }

        Turn turn(long turnNo) {
            return new Turn(first.id(), userId, customerId, first.conversationId(), turnNo,
                    user.isEmpty() ? null : String.join("\n", user), assistant.isEmpty() ? null : String.join("\n", assistant),
                    first.createdAt(), false, position(slot, first.conversationId()), messages, null, null);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
