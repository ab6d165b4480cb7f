package com.synapbackfill.source;

import com.synapbackfill.model.Turn;
import java.util.ArrayList;
import java.util.List;

/**
 * Pages of whole conversations (docs/design.md §2b), apart from SQL so that it can be tested on its own: messages are
 * read by keyset on the conversation key in chunks of about the page's size; a conversation cut by a chunk's end is
 * read again whole with the next chunk, and one larger than a chunk is read alone. A checkpoint
 * {@code SEQ:CONVERSATION} re-reads that conversation and leaves out its first SEQ+1 items. A page holds at least
 * {@code limit} items unless the shard ends first, so the worker's "short page = last page" rule holds.
 */
final class ConversationPager {
    /** Where the messages come from, in (conversation, order, id) order. */
    interface Reader {
        /** Up to {@code chunk} messages whose conversation is after {@code lower} (or at it, {@code inclusive}) up to the shard's end. */
        List<MessagePairing.Message> after(String lower, boolean inclusive, int chunk);

        /** Every message of one conversation. */
        List<MessagePairing.Message> conversation(String conversationId);

        /** A conversation's items (the branch rule first, where the source has one). */
        default List<Turn> pair(List<MessagePairing.Message> conversation) {
            return MessagePairing.pair(conversation);
        }
    }

    private ConversationPager() {
    }

    /**
     * The items after {@code after} (a position, or null for the shard's start {@code lo}, exclusive when
     * {@code loExclusive}).
     */
    static List<Turn> page(Reader reader, String lo, boolean loExclusive, String after, int limit) {
        String lowerValue = after == null ? lo : MessagePairing.conversation(after);
        int skipThrough = after == null ? -1 : MessagePairing.seq(after);
        boolean inclusive = after != null || !loExclusive;
        int chunk = Math.max(limit, 100);
        List<Turn> out = new ArrayList<>();
        while (true) {
            List<MessagePairing.Message> rows = reader.after(lowerValue, inclusive, chunk);
            if (rows.isEmpty()) return out;
            boolean full = rows.size() >= chunk;
            List<List<MessagePairing.Message>> conversations = groups(rows);
            if (full) {
                if (conversations.size() == 1) {
                    conversations = List.of(reader.conversation(conversations.get(0).get(0).conversationId()));
                } else {
                    conversations = conversations.subList(0, conversations.size() - 1); // cut by the chunk: read again next time
                }
            }
            for (List<MessagePairing.Message> c : conversations) {
                List<Turn> items = reader.pair(c);
                if (skipThrough >= 0 && c.get(0).conversationId().equals(lowerValue)) {
                    items = items.subList(Math.min(items.size(), skipThrough + 1), items.size());
                    skipThrough = -1;
                }
                out.addAll(items);
            }
            skipThrough = -1;
            lowerValue = conversations.get(conversations.size() - 1).get(0).conversationId();
            inclusive = false;
            if (!full || out.size() >= limit) return out;
        }
    }

    /** Consecutive messages of one conversation, grouped. */
    static List<List<MessagePairing.Message>> groups(List<MessagePairing.Message> rows) {
        List<List<MessagePairing.Message>> out = new ArrayList<>();
        List<MessagePairing.Message> current = null;
        for (MessagePairing.Message m : rows) {
            if (current == null || !current.get(0).conversationId().equals(m.conversationId())) {
                current = new ArrayList<>();
                out.add(current);
            }
            current.add(m);
        }
        return out;
    }
}
