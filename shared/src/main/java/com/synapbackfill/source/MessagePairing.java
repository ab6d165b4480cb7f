package com.synapbackfill.source;

import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.Turn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
     * @param childId    the child the app shows after this message (a parent-held pointer: the currentChildId field), or null
     */
    public record Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                          String text, BadRowReason problem, Instant createdAt, String skipReason, String detail, String parentId,
                          String childId) {
        public Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                       String text, BadRowReason problem, Instant createdAt, String skipReason) {
            this(id, conversationId, userId, customerId, kind, role, text, problem, createdAt, skipReason, null, null, null);
        }

        public Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                       String text, BadRowReason problem, Instant createdAt, String skipReason, String detail) {
            this(id, conversationId, userId, customerId, kind, role, text, problem, createdAt, skipReason, detail, null, null);
        }

        public Message(String id, String conversationId, String userId, String customerId, String kind, String role,
                       String text, BadRowReason problem, Instant createdAt, String skipReason, String detail, String parentId) {
            this(id, conversationId, userId, customerId, kind, role, text, problem, createdAt, skipReason, detail, parentId, null);
        }

        /** This message, left out for {@code reason} (unless something left it out already). */
        Message skippedAs(String reason) {
            return skipReason != null ? this : new Message(id, conversationId, userId, customerId, kind, role, text, problem, createdAt,
                    reason, detail, parentId, childId);
        }

        /** The same message in conversation {@code other}. */
        public Message in(String other) {
            return new Message(id, other, userId, customerId, kind, role, text, problem, createdAt, skipReason, detail, parentId, childId);
        }

        /**
         * Whether it takes part in the run: a message the filter or the cutover leaves out, one of another role, a bad row
         * and one with no text never do, so they never decide which branch is kept.
         */
        boolean takesPart() {
            return skipReason == null && kind != null && problem == null && text != null && !text.isBlank();
        }
    }

    /** The skip reason of a message on a branch the user left (an earlier answer regenerated, an edit's old path). */
    public static final String SUPERSEDED = "branch:superseded";

    /**
     * The branch rule, where the mapping names a parent (docs: "Branches"). At each message with several children one
     * child is kept, with its descendants; the others and theirs are superseded. The kept child is, in this order: the
     * one on the path from {@code currentId} (the leaf the user last saw) to its root; the one the parent points at
     * ({@link Message#childId()}, the child the app shows); else the latest (in the conversation's order). A child is a
     * candidate only when it, or a message below it, takes part in the run ({@link Message#takesPart()}): a message left
     * out by the filter, the cutover or its role, or a bad row, never wins a branch over one that does, and a parent whose
     * children all take no part keeps its own turn (the child kept then is skipped, or failed, for its own reason). With {@code currentId} only its root is kept; without, every root is (a message whose
     * parent is not among the messages, hard-deleted, is a root: a deletion never drops the history before it). Pure;
     * the order of {@code messages} is kept.
     */
    public static List<Message> branches(List<Message> messages, String currentId) {
        Map<String, Message> byId = new LinkedHashMap<>();
        for (Message m : messages) if (m.id() != null) byId.putIfAbsent(m.id(), m);
        Map<String, List<String>> children = new HashMap<>();
        List<String> roots = new ArrayList<>();
        for (Message m : byId.values()) {
            String p = m.parentId();
            if (p != null && byId.containsKey(p) && !p.equals(m.id())) children.computeIfAbsent(p, k -> new ArrayList<>()).add(m.id());
            else roots.add(m.id());
        }
        Set<String> live = live(byId);
        // the path from the leaf the user last saw: at each parent on it, the child it goes through
        Map<String, String> onPath = new HashMap<>();
        String pathRoot = null;
        if (currentId != null && byId.containsKey(currentId)) {
            Set<String> seen = new HashSet<>();
            String at = currentId;
            while (seen.add(at)) {
                pathRoot = at;
                String p = byId.get(at).parentId();
                if (p == null || !byId.containsKey(p) || p.equals(at)) break;
                onPath.put(p, at);
                at = p;
            }
            if (!seen.contains(pathRoot) || !roots.contains(pathRoot)) pathRoot = null; // a cycle has no root
        }
        List<String> keptRoots = pathRoot != null && live.contains(pathRoot) ? List.of(pathRoot) : roots;
        Set<String> keep = new HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(keptRoots);
        while (!todo.isEmpty()) {
            String at = todo.pop();
            if (!keep.add(at)) continue;
            String next = chosen(byId.get(at), children.getOrDefault(at, List.of()), onPath.get(at), live);
            if (next != null) todo.push(next);
        }
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) out.add(m.id() == null || keep.contains(m.id()) ? m : m.skippedAs(SUPERSEDED));
        return out;
    }

    /** The messages that take part in the run, and every ancestor of one: the only candidates for a branch. */
    private static Set<String> live(Map<String, Message> byId) {
        Set<String> live = new HashSet<>();
        for (Message m : byId.values()) {
            if (!m.takesPart()) continue;
            String at = m.id();
            while (at != null && byId.containsKey(at) && live.add(at)) at = byId.get(at).parentId();
        }
        return live;
    }

    /**
     * The child kept under {@code parent}: the leaf's path, the parent's pointer, else the latest, among the live children;
     * when none is live, by the same rules among all (a bad row that is the only answer is still reported as one).
     */
    private static String chosen(Message parent, List<String> children, String pathChild, Set<String> live) {
        if (children.isEmpty()) return null;
        String pick = pick(parent, children, pathChild, live);
        return pick != null ? pick : pick(parent, children, pathChild, null);
    }

    private static String pick(Message parent, List<String> children, String pathChild, Set<String> live) {
        if (pathChild != null && (live == null || live.contains(pathChild))) return pathChild;
        String pointed = parent.childId();
        if (pointed != null && children.contains(pointed) && (live == null || live.contains(pointed))) return pointed;
        for (int i = children.size() - 1; i >= 0; i--) if (live == null || live.contains(children.get(i))) return children.get(i);
        return null;
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
