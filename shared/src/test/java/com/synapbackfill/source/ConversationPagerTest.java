package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.model.Turn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Conversation paging without a database: a reader over messages in memory, in the order the page query returns
 * them. Every page boundary and every checkpoint must give each item exactly once, in order, with whole
 * conversations only.
 */
class ConversationPagerTest {
    /** Conversations c000..c(n-1) with 1..maxLen messages each, alternating user and assistant; a few system messages. */
    static List<MessagePairing.Message> history(int conversations, int maxLen, long seed) {
        Random r = new Random(seed);
        List<MessagePairing.Message> out = new ArrayList<>();
        int id = 0;
        for (int c = 0; c < conversations; c++) {
            String conv = String.format("c%03d", c);
            int len = 1 + r.nextInt(maxLen);
            for (int k = 0; k < len; k++) {
                String kind = r.nextInt(10) == 0 ? null : k % 2 == 0 ? "user" : "assistant";
                out.add(new MessagePairing.Message("m" + id++, conv, "u", null, kind, kind == null ? "system" : kind, "t" + k, null,
                        Instant.EPOCH.plusSeconds(id), null));
            }
        }
        return out;
    }

    /** A reader as the page query behaves: keyset on the conversation, bounded by the shard's {@code hi}, LIMIT chunk. */
    static final class InMemoryReader implements ConversationPager.Reader {
        final List<MessagePairing.Message> all;
        final String hi;
        int chunkReads;
        int conversationReads;

        InMemoryReader(List<MessagePairing.Message> all, String hi) {
            this.all = all;
            this.hi = hi;
        }

        @Override
        public List<MessagePairing.Message> after(String lower, boolean inclusive, int chunk) {
            chunkReads++;
            return all.stream().filter(m -> {
                int c = m.conversationId().compareTo(lower);
                return (inclusive ? c >= 0 : c > 0) && m.conversationId().compareTo(hi) <= 0;
            }).limit(chunk).toList();
        }

        @Override
        public List<MessagePairing.Message> conversation(String conversationId) {
            conversationReads++;
            return all.stream().filter(m -> m.conversationId().equals(conversationId)).toList();
        }
    }

    /** What pairing every conversation whole gives: the expected items, in order. */
    static List<Turn> expected(List<MessagePairing.Message> all, String lo, boolean loExclusive, String hi) {
        List<Turn> out = new ArrayList<>();
        for (List<MessagePairing.Message> c : ConversationPager.groups(all)) {
            String conv = c.get(0).conversationId();
            int fromLo = conv.compareTo(lo);
            if ((loExclusive ? fromLo > 0 : fromLo >= 0) && conv.compareTo(hi) <= 0) out.addAll(MessagePairing.pair(c));
        }
        return out;
    }

    /** Reads a shard page by page from the start, or from {@code after}. */
    static List<Turn> readAll(InMemoryReader reader, String lo, boolean loExclusive, String after, int limit) {
        List<Turn> out = new ArrayList<>();
        String checkpoint = after;
        while (true) {
            List<Turn> page = ConversationPager.page(reader, lo, loExclusive, checkpoint, limit);
            out.addAll(page);
            if (page.size() < limit) return out;
            checkpoint = page.get(page.size() - 1).position();
        }
    }

    @Test
    void everyItemOnceInOrderForEveryPageSizeIncludingConversationsLargerThanAChunk() {
        List<MessagePairing.Message> all = history(60, 260, 7); // some conversations exceed the 100-message chunk
        List<Turn> expected = expected(all, "c000", false, "c059");
        for (int limit : new int[] {1, 3, 50, 100, 101, 250, 5_000}) {
            InMemoryReader reader = new InMemoryReader(all, "c059");
            List<Turn> read = readAll(reader, "c000", false, null, limit);
            assertThat(read).as("limit %d", limit).extracting(Turn::position).containsExactlyElementsOf(expected.stream().map(Turn::position).toList());
            assertThat(read).extracting(Turn::id).doesNotHaveDuplicates();
            assertThat(read.stream().mapToInt(Turn::messages).sum()).isEqualTo(all.size());
        }
    }

    @Test
    void aPageEndsOnlyOnWholeConversationsAndHoldsAtLeastTheLimitUnlessTheShardEnds() {
        List<MessagePairing.Message> all = history(40, 30, 11);
        InMemoryReader reader = new InMemoryReader(all, "c039");
        List<Turn> page = ConversationPager.page(reader, "c000", false, null, 50);
        assertThat(page.size()).isGreaterThanOrEqualTo(50);
        String last = page.get(page.size() - 1).conversationId();
        long itemsOfLast = expected(all, "c000", false, "c039").stream().filter(t -> t.conversationId().equals(last)).count();
        assertThat(page.stream().filter(t -> t.conversationId().equals(last)).count()).isEqualTo(itemsOfLast);
    }

    @Test
    void resumingFromEveryCheckpointGivesTheRestWithNoGapAndNoDuplicate() {
        List<MessagePairing.Message> all = history(25, 12, 3);
        List<Turn> expected = expected(all, "c000", false, "c024");
        for (int k = 0; k < expected.size(); k++) {
            InMemoryReader reader = new InMemoryReader(all, "c024");
            List<Turn> rest = readAll(reader, "c000", false, expected.get(k).position(), 7);
            assertThat(rest).as("after item %d (%s)", k, expected.get(k).position()).extracting(Turn::position)
                    .containsExactlyElementsOf(expected.subList(k + 1, expected.size()).stream().map(Turn::position).toList());
        }
    }

    @Test
    void anExclusiveLowerBoundLeavesThePreviousShardsLastConversationOut() {
        List<MessagePairing.Message> all = history(10, 5, 5);
        InMemoryReader reader = new InMemoryReader(all, "c006");
        List<Turn> read = readAll(reader, "c003", true, null, 4);
        assertThat(read).extracting(Turn::conversationId).allMatch(c -> c.compareTo("c003") > 0 && c.compareTo("c006") <= 0);
        assertThat(read).extracting(Turn::position).containsExactlyElementsOf(
                expected(all, "c003", true, "c006").stream().map(Turn::position).toList());
    }

    @Test
    void aConversationLargerThanAChunkIsReadAloneAndWhole() {
        List<MessagePairing.Message> all = new ArrayList<>(history(1, 1, 1));
        for (int k = 0; k < 250; k++)
            all.add(new MessagePairing.Message("big" + k, "c500", "u", null, k % 2 == 0 ? "user" : "assistant", "x", "t", null, Instant.EPOCH, null));
        all.addAll(history(1, 1, 2).stream().map(m -> new MessagePairing.Message(m.id() + "z", "c900", m.userId(), null, m.kind(), m.role(),
                m.text(), null, m.createdAt(), null)).toList());
        all.sort(Comparator.comparing(MessagePairing.Message::conversationId));
        InMemoryReader reader = new InMemoryReader(all, "c999");
        List<Turn> first = ConversationPager.page(reader, "c000", false, null, 100);
        assertThat(first.stream().filter(t -> t.conversationId().equals("c500")).count()).isEqualTo(125);
        assertThat(reader.conversationReads).isEqualTo(1);
        assertThat(readAll(new InMemoryReader(all, "c999"), "c000", false, null, 100).stream().mapToInt(Turn::messages).sum()).isEqualTo(all.size());
    }
}
