package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.Turn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessagePairingTest {
    static int n;

    static MessagePairing.Message m(String kind, String text) {
        n++;
        return new MessagePairing.Message("m" + n, "c1", "u1", null, kind, kind == null ? "system" : kind, text, null,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n), null);
    }

    @Test
    void theRulesOfTheReadmeOnOneConversation() {
        n = 0;
        List<MessagePairing.Message> c = new ArrayList<>();
        c.add(m("assistant", "Hi! How can I help?"));          // m1 leading greeting
        c.add(m("assistant", "We are open 9-5."));             // m2 joins it
        c.add(m(null, "You are a helpful bot"));               // m3 system: skipped
        c.add(m("user", "my order"));                          // m4 opens a turn
        c.add(m("user", "is late"));                           // m5 joins it
        c.add(m("assistant", "Sorry"));                        // m6 answer
        c.add(m(null, "tool output"));                         // m7 skipped, no effect on the pairing
        c.add(m("assistant", "It ships today"));               // m8 still the answer
        c.add(new MessagePairing.Message("m9", "c1", "u1", null, "user", "user", null, BadRowReason.UNREADABLE_TEXT,
                Instant.parse("2026-01-01T00:00:09Z"), null)); // bad: takes no part
        n = 9;
        c.add(m("user", "thanks"));                            // m10
        c.add(m("assistant", " "));                            // m11 empty: skipped
        c.add(m("user", "bye?"));                              // m12: no answer
        n = 12;
        List<Turn> items = MessagePairing.pair(c);

        List<Turn> turns = items.stream().filter(t -> !t.skipped() && t.problem() == null).toList();
        assertThat(turns).extracting(Turn::id).containsExactly("m1", "m4", "m10");
        assertThat(turns.get(0).userText()).isNull();
        assertThat(turns.get(0).assistantText()).isEqualTo("Hi! How can I help?\nWe are open 9-5.");
        assertThat(turns.get(1).userText()).isEqualTo("my order\nis late");
        assertThat(turns.get(1).assistantText()).isEqualTo("Sorry\nIt ships today");
        assertThat(turns.get(1).createdAt()).isEqualTo(Instant.parse("2026-01-01T00:00:04Z"));
        assertThat(turns.get(2).userText()).isEqualTo("thanks\nbye?");
        assertThat(turns.get(2).assistantText()).isNull();
        assertThat(turns).extracting(Turn::messageIndex).containsExactly(0L, 1L, 2L);
        assertThat(turns).extracting(Turn::messages).containsExactly(2, 4, 2);
        assertThat(items.stream().filter(Turn::skipped).map(Turn::skipReason).toList()).containsExactly("role:system", "role:system", "empty_text");
        assertThat(items.stream().filter(t -> t.problem() != null).map(Turn::id).toList()).containsExactly("m9");
        // every message is counted once: in a turn, skipped or bad
        assertThat(items.stream().mapToInt(Turn::messages).sum()).isEqualTo(12);
        // positions are the items' places, in order, and name the conversation
        for (int i = 0; i < items.size(); i++) assertThat(items.get(i).position()).isEqualTo(i + ":c1");
    }

    @Test
    void theSameMessagesAlwaysGiveTheSameItems() {
        n = 0;
        List<MessagePairing.Message> c = List.of(m("user", "a"), m("assistant", "b"), m("user", "c"));
        assertThat(MessagePairing.pair(c)).isEqualTo(MessagePairing.pair(new ArrayList<>(c)));
        assertThat(MessagePairing.seq("12:conv:with:colons")).isEqualTo(12);
        assertThat(MessagePairing.conversation("12:conv:with:colons")).isEqualTo("conv:with:colons");
        assertThatThrownBy(() -> MessagePairing.seq("1234")).hasMessageContaining("not a message-shape checkpoint");
    }

    @Test
    void textFromJsonStringsAndPartsAndEverythingElseIsUnreadable() {
        var parts = MessageValues.parse("[{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"reasoning\",\"text\":\"hmm\"},"
                + "{\"type\":\"tool-call\",\"args\":{}},\"plain\",{\"type\":\"text\",\"text\":\"world\"}]");
        assertThat(MessageValues.text("x", parts, null, true)).isEqualTo(new MessageValues.Text("Hello\nplain\nworld", false));
        var lc = MessageValues.parse("{\"type\":\"human\",\"data\":{\"content\":\"hi \\u00e9\",\"a/b\":{\"~k\":\"esc\"}}}");
        assertThat(MessageValues.text("x", lc, "/data/content", true).text()).isEqualTo("hi é");
        assertThat(MessageValues.scalar("x", lc, "/type", true)).isEqualTo("human");
        assertThat(MessageValues.scalar("x", lc, "/data/a~1b/~0k", true)).isEqualTo("esc");
        assertThat(MessageValues.text("x", lc, "/data", true).unreadable()).isTrue();
        assertThat(MessageValues.text("x", lc, "/nope", true).unreadable()).isTrue();
        assertThat(MessageValues.text("{not json", MessageValues.parse("{not json"), "", true).unreadable()).isTrue();
        assertThat(MessageValues.text(null, null, "/data", true)).isEqualTo(MessageValues.Text.NONE);
        assertThat(MessageValues.text("raw {text}", null, null, false).text()).isEqualTo("raw {text}");
    }

    @Test
    void fieldsAndJoinsAreCheckedAndErrorsNameWhatWasWritten() {
        MessageShape s = MessageShape.of("--column", Map.of("conversationId", "chatId", "userId", "Chat.userId", "text", "parts#/0/text"),
                List.of("customer"), List.of("agent", "bot"), List.of("Chat.id=chatId"));
        assertThat(s.ref("userId")).isEqualTo(new MessageShape.Ref("userId", "Chat", "userId", null));
        assertThat(s.ref("text")).isEqualTo(new MessageShape.Ref("text", null, "parts", "/0/text"));
        assertThat(s.ref("order")).isNull();
        assertThat(s.kindOf("customer")).isEqualTo("user");
        assertThat(s.kindOf("bot")).isEqualTo("assistant");
        assertThat(s.kindOf("user")).isNull();
        assertThatThrownBy(() -> MessageShape.of("--column", Map.of("userId", "users.id"), null, null, null))
                .hasMessage("--column: columns.userId: \"users.id\" names table users, which is not joined (joins: none)");
        assertThatThrownBy(() -> MessageShape.of("--column", Map.of("txt", "body"), null, null, null))
                .hasMessageContaining("unknown field \"txt\"");
        assertThatThrownBy(() -> MessageShape.of("--join", Map.of(), null, null, List.of("conversations")))
                .hasMessageContaining("\"conversations\" is not TABLE.KEY=COLUMN");
        assertThatThrownBy(() -> MessageShape.of("--user-roles", Map.of(), List.of("x"), List.of("x"), null))
                .hasMessageContaining("role \"x\" is also a user role");
        assertThatThrownBy(() -> MessageShape.of("columns", Map.of("role", ""), null, null, null))
                .hasMessageContaining("columns.role: is required");
    }

    static MessagePairing.Message b(String id, String parent, String kind, String text, int second) {
        return new MessagePairing.Message(id, "c1", "u1", null, kind, kind, text, null, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second),
                null, null, parent);
    }

    static List<String> turnIds(List<Turn> items) {
        return items.stream().filter(t -> !t.skipped() && t.problem() == null).map(t -> t.id() + "=" + t.userText() + "|" + t.assistantText()).toList();
    }

    @Test
    void aUserMessageWithNoTextEndsTheTurnBeforeIt() {
        List<MessagePairing.Message> c = List.of(b("1", null, "user", "question", 1), b("2", null, "assistant", "answer", 2),
                b("3", null, "user", " ", 3), b("4", null, "assistant", "after the image", 4), b("5", null, "assistant", "more", 5));
        List<Turn> items = MessagePairing.pair(c);
        assertThat(turnIds(items)).containsExactly("1=question|answer", "4=null|after the image\nmore");
        assertThat(items.get(1).skipReason()).isEqualTo("empty_text");
        assertThat(items.stream().mapToInt(Turn::messages).sum()).isEqualTo(5);
    }

    @Test
    void aRegeneratedAnswerReplacesTheOldOneInItsTurn() {
        // 2 and 3 answer 1; 3 came later (the regeneration): 2 is superseded, and so is what followed it
        List<MessagePairing.Message> c = List.of(b("1", null, "user", "q1", 1), b("2", "1", "assistant", "old answer", 2),
                b("2b", "2", "user", "follow-up on the old", 3), b("3", "1", "assistant", "new answer", 4), b("4", "3", "user", "q2", 5),
                b("5", "4", "assistant", "a2", 6));
        List<Turn> items = MessagePairing.pair(MessagePairing.branches(c, null));
        assertThat(turnIds(items)).containsExactly("1=q1|new answer", "4=q2|a2");
        assertThat(items.stream().filter(t -> MessagePairing.SUPERSEDED.equals(t.skipReason())).map(Turn::id)).containsExactly("2", "2b");
    }

    @Test
    void anEditFollowsTheLeafTheUserLastSaw() {
        // Open WebUI: editing q1 made 1b a sibling of 1; currentId points at the leaf of the path the user sees
        List<MessagePairing.Message> c = List.of(b("1", null, "user", "q1", 1), b("2", "1", "assistant", "a1", 2),
                b("1b", null, "user", "q1 edited", 3), b("2b", "1b", "assistant", "a1 again", 4), b("3", "2", "user", "q2 on the old path", 5));
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(c, "2b")))).containsExactly("1b=q1 edited|a1 again");
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(c, "3")))).containsExactly("1=q1|a1", "3=q2 on the old path|null");
    }

    @Test
    void aHardDeletedParentKeepsItsChildren() {
        List<MessagePairing.Message> c = List.of(b("3", "gone", "user", "q after a deleted message", 3), b("4", "3", "assistant", "a", 4));
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(c, null)))).containsExactly("3=q after a deleted message|a");
        // a current leaf that is not there changes nothing either
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(c, "nope")))).containsExactly("3=q after a deleted message|a");
    }
    /** A message of {@code b}'s kind, left out of the run (by the filter or the cutover), or pointing at a chosen child. */
    static MessagePairing.Message left(String id, String parent, String kind, String text, int second) {
        return b(id, parent, kind, text, second).skippedAs("filter");
    }

    static MessagePairing.Message pointing(String id, String parent, String kind, String text, int second, String child) {
        MessagePairing.Message m = b(id, parent, kind, text, second);
        return new MessagePairing.Message(m.id(), m.conversationId(), m.userId(), m.customerId(), m.kind(), m.role(), m.text(), m.problem(),
                m.createdAt(), m.skipReason(), m.detail(), m.parentId(), child);
    }

    @Test
    void aMessageTheFilterLeavesOutNeverWinsABranch() {
        // a hidden summary hung under q1 after a1 (a later sibling of the answer): the filter leaves it out
        List<MessagePairing.Message> c = List.of(b("q1", null, "user", "q1", 1), b("a1", "q1", "assistant", "a1", 2),
                b("q2", "a1", "user", "q2", 3), b("a2", "q2", "assistant", "a2", 4), left("h", "q1", "assistant", "summary", 5));
        List<Turn> items = MessagePairing.pair(MessagePairing.branches(c, null));
        assertThat(turnIds(items)).containsExactly("q1=q1|a1", "q2=q2|a2");
        assertThat(items.stream().filter(Turn::skipped).map(t -> t.id() + ":" + t.skipReason())).containsExactly("h:filter");
    }

    @Test
    void aRegenerationAfterTheCutoverNeverWinsABranch() {
        // a1 regenerated a month after --until: live ingestion has the new one; the backfill keeps the path it had
        List<MessagePairing.Message> c = List.of(b("q1", null, "user", "q1", 1), b("a1", "q1", "assistant", "a1", 2),
                b("q2", "a1", "user", "q2", 3), b("a2", "q2", "assistant", "a2", 4), left("a1x", "q1", "assistant", "a1 again", 2_600_000),
                left("q3", "a1x", "user", "q3 after it", 2_600_001));
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(c, null)))).containsExactly("q1=q1|a1", "q2=q2|a2");
        // also when the leaf the user last saw is past the cutover: below the last message that takes part, the latest that does
        List<Turn> items = MessagePairing.pair(MessagePairing.branches(c, "q3"));
        assertThat(turnIds(items)).containsExactly("q1=q1|a1", "q2=q2|a2");
        assertThat(items.stream().filter(Turn::skipped).map(Turn::skipReason)).containsOnly("filter");
    }

    @Test
    void messagesOfOtherRolesAndBadRowsNeverWinABranchButStayOnThePath() {
        // a tool message in the chain is passed through; a later system note and a bad regeneration under q1 never win
        MessagePairing.Message bad = new MessagePairing.Message("bad", "c1", "u1", null, "assistant", "assistant", null,
                BadRowReason.UNREADABLE_TEXT, Instant.parse("2026-01-01T00:00:09Z"), null, null, "q1");
        List<MessagePairing.Message> c = List.of(b("q1", null, "user", "q1", 1), b("call", "q1", "assistant", "", 2),
                b("tool", "call", null, "42", 3), b("a1", "tool", "assistant", "it is 42", 4), b("note", "q1", null, "system note", 8), bad);
        List<Turn> items = MessagePairing.pair(MessagePairing.branches(c, null));
        assertThat(turnIds(items)).containsExactly("q1=q1|it is 42");
        assertThat(items.stream().filter(t -> t.problem() != null)).isEmpty();
    }

    @Test
    void aParentWhoseChildrenAllTakeNoPartKeepsItsTurnAndABadOnlyAnswerIsStillReported() {
        List<MessagePairing.Message> hidden = List.of(b("q1", null, "user", "q1", 1), left("h", "q1", "assistant", "hidden", 2));
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(hidden, null)))).containsExactly("q1=q1|null");
        MessagePairing.Message bad = new MessagePairing.Message("bad", "c1", "u1", null, "assistant", "assistant", null,
                BadRowReason.UNREADABLE_TEXT, Instant.parse("2026-01-01T00:00:09Z"), null, null, "q1");
        List<Turn> items = MessagePairing.pair(MessagePairing.branches(List.of(b("q1", null, "user", "q1", 1), bad), null));
        assertThat(items.stream().filter(t -> t.problem() != null).map(Turn::id)).containsExactly("bad");
    }

    @Test
    void aParentHeldPointerChoosesTheChildTheAppShows() {
        // LibreChat-like: each parent names the child shown; a regeneration (a1b) and an edited question (q2b) not chosen
        List<MessagePairing.Message> c = List.of(pointing("q1", null, "user", "q1", 1, "a1b"), pointing("a1", "q1", "assistant", "a1 old", 2, null),
                pointing("a1b", "q1", "assistant", "a1 new", 3, "q2"), pointing("q2", "a1b", "user", "q2", 4, "a2"),
                pointing("a2", "q2", "assistant", "a2", 5, null), pointing("q2b", "a1b", "user", "q2 edited later", 6, "a2b"),
                pointing("a2b", "q2b", "assistant", "a2b", 7, null));
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(c, null)))).containsExactly("q1=q1|a1 new", "q2=q2|a2");
        // a pointer at a child that takes no part (left out by the cutover) falls back to the latest that does
        List<MessagePairing.Message> cut = List.of(pointing("q1", null, "user", "q1", 1, "a1x"), b("a1", "q1", "assistant", "a1", 2),
                left("a1x", "q1", "assistant", "after the cutover", 9_000_000));
        assertThat(turnIds(MessagePairing.pair(MessagePairing.branches(cut, null)))).containsExactly("q1=q1|a1");
    }
}
