package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.Turn;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Golden mapping tests: each row's document JSON equals the expected text, field by field. */
class DocumentMapperTest {
    static final Instant T = Instant.parse("2025-03-02T09:15:00Z");
    final DocumentMapper mapper = new DocumentMapper(RunConfig.builder(SourceConfig.of("turns")).build(), "run-1");

    static Turn turn(String id, String conv, Long idx, String u, String a) {
        return new Turn(id, "u-17", "acme", conv, idx, u, a, T);
    }

    @Test
    void rendersAFullTurnExactlyAsTheReplayPattern() {
        DocumentMapper.Mapped m = mapper.map(turn("42", "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162", 3L, "I switched to oat milk.", "Noted."));
        assertThat(Json.write(m.document())).isEqualTo("{\"document\":\"User: I switched to oat milk.\\nAssistant: Noted.\","
                + "\"document_type\":\"ai-chat-conversation\",\"document_id\":\"backfill:0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162:3\","
                + "\"document_created_at\":\"2025-03-02T09:15:00Z\",\"user_id\":\"u-17\",\"customer_id\":\"acme\",\"scope\":null,"
                + "\"mode\":\"long-range\",\"metadata\":{\"conversation_id\":\"0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162\","
                + "\"source\":\"backfill\",\"message_index\":3,\"run_id\":\"run-1\",\"source_row_id\":\"42\"}}");
    }

    @Test
    void timesNoChatCanHaveAreBadRowsNamingTheTime() {
        java.time.Clock now = java.time.Clock.fixed(Instant.parse("2026-12-04T00:00:00Z"), java.time.ZoneOffset.UTC);
        DocumentMapper m = new DocumentMapper(RunConfig.builder(SourceConfig.of("turns")).build(), "run-1", now);
        for (Instant impossible : java.util.List.of(java.time.OffsetDateTime.MAX.toInstant(), java.time.OffsetDateTime.MIN.toInstant(),
                Instant.parse("-4712-01-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59Z"), Instant.parse("2026-12-05T00:00:01Z"),
                java.time.LocalDateTime.parse("9999-12-31T23:59:00").atZone(java.time.ZoneId.of("America/New_York")).toInstant())) {
            DocumentMapper.Mapped r = m.map(new Turn("1", "u", null, "c", 0L, "q", "a", impossible));
            assertThat(r.reason()).as(impossible.toString()).isEqualTo(BadRowReason.IMPOSSIBLE_TIMESTAMP);
            assertThat(m.describe(r)).contains(impossible.toString());
        }
        assertThat(m.map(new Turn("1", "u", null, "c", 0L, "q", "a", Instant.parse("2026-12-04T23:59:59Z"))).ok()).isTrue();
        assertThat(m.map(new Turn("1", "u", null, "c", 0L, "q", "a", Instant.EPOCH)).ok()).isTrue();
    }

    @Test
    void anUnpairedSurrogateIsABadRowNotAPoisonForSynap() {
        DocumentMapper.Mapped lone = mapper.map(turn("1", "c", 0L, "ok \ud800 then", "fine"));
        assertThat(lone.reason()).isEqualTo(BadRowReason.UNPAIRED_SURROGATE);
        assertThat(mapper.describe(lone)).contains("at character 3");
        assertThat(mapper.map(turn("2", "c", 0L, "emoji 😀 is a pair", "\udc00 trailing")).reason()).isEqualTo(BadRowReason.UNPAIRED_SURROGATE);
        assertThat(mapper.map(turn("3", "c", 0L, "emoji 😀 is a pair", "fine")).ok()).isTrue();
    }

    @Test
    void distinctSourceConversationsNeverShareAUuid() {
        String lower = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        String upper = lower.toUpperCase();
        String named = DocumentMapper.conversationUuid("foo"); // a v5 UUID some other row may hold literally
        java.util.Set<String> uuids = new java.util.HashSet<>();
        for (String source : java.util.List.of(lower, upper, "foo", named, "Foo"))
            assertThat(uuids.add(DocumentMapper.conversationUuid(source))).as(source).isTrue();
        assertThat(DocumentMapper.conversationUuid(lower)).isEqualTo(lower); // a random UUID is kept as it is
        // the document keeps the source value exactly beside the UUID it was given
        DocumentMapper.Mapped m = mapper.map(turn("7", upper, 0L, "q", "a"));
        assertThat(m.document().metadata().get("source_conversation_id")).isEqualTo(upper);
        // a run recorded before: its snapshot has no conversationIds, and its ids stay what they were (UUIDs lower-cased)
        RunConfig old = Json.read(Json.write(RunConfig.builder(SourceConfig.of("turns")).build()).replace(",\"conversationIds\":2", ""), RunConfig.class);
        assertThat(old.conversationIds()).isEqualTo(RunConfig.LEGACY_CONVERSATION_IDS);
        DocumentMapper.Mapped legacy = new DocumentMapper(old, "run-old").map(turn("7", upper, 0L, "q", "a"));
        assertThat(legacy.documentId()).isEqualTo("backfill:" + lower + ":0");
        assertThat(legacy.document().metadata()).doesNotContainKey("source_conversation_id");
    }

    @Test
    void aNonUuidConversationBecomesAStableV5UuidAndKeepsTheOriginal() {
        DocumentMapper.Mapped a = mapper.map(turn("1", "conv-981", 0L, "hi", "hello"));
        DocumentMapper.Mapped b = new DocumentMapper(RunConfig.builder(SourceConfig.of("other")).build(), "run-2")
                .map(turn("9", "conv-981", 0L, "hi", "hello"));
        String uuid = (String) a.document().metadata().get("conversation_id");
        assertThat(uuid).matches("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(b.document().metadata().get("conversation_id")).isEqualTo(uuid);
        assertThat(a.document().metadata().get("source_conversation_id")).isEqualTo("conv-981");
        assertThat(a.documentId()).isEqualTo("backfill:" + uuid + ":0");
        // RFC 4122 appendix B style check against a known v5 value (namespace DNS, "python.org")
        assertThat(DocumentMapper.nameUuid(java.util.UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"))
                .hasToString("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    }

    @Test
    void oneSidedTurnsRenderOnlyThePresentSide() {
        assertThat(mapper.map(turn("1", "c", 0L, "only the user", null)).document().document()).isEqualTo("User: only the user");
        assertThat(mapper.map(turn("1", "c", 0L, "  ", "only the bot")).document().document()).isEqualTo("Assistant: only the bot");
    }

    @Test
    void preservesTextByteForByte() {
        String u = "Emoji 👩‍👩‍👧 CJK 我下周 RTL אני מעדיף combining é (e\u0301) \"quotes\" \\ back\ttab\nnewline";
        String a = "Ünïcödé ✓";
        String doc = mapper.map(turn("1", "c", 0L, u, a)).document().document();
        assertThat(doc).isEqualTo("User: " + u + "\nAssistant: " + a);
        String roundTrip = Json.read(Json.write(mapper.map(turn("1", "c", 0L, u, a)).document()),
                com.synapbackfill.model.MemoryDocument.class).document();
        assertThat(roundTrip.getBytes(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(doc.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void everyBadRowKindHasItsReason() {
        assertThat(mapper.map(turn("1", "c", 0L, null, " ")).reason()).isEqualTo(BadRowReason.EMPTY_TEXT);
        assertThat(mapper.map(new Turn("2", "u", null, "c", 0L, "q", "a", null)).reason()).isEqualTo(BadRowReason.MISSING_TIMESTAMP);
        assertThat(mapper.map(new Turn("3", " ", null, "c", 0L, "q", "a", T)).reason()).isEqualTo(BadRowReason.MISSING_USER_ID);
        assertThat(mapper.map(new Turn("4", "u", null, null, 0L, "q", "a", T)).reason()).isEqualTo(BadRowReason.MISSING_CONVERSATION_ID);
        assertThat(mapper.map(new Turn("5", "u", null, "c", null, "q", "a", T)).reason()).isEqualTo(BadRowReason.MISSING_MESSAGE_INDEX);
        DocumentMapper small = new DocumentMapper(RunConfig.builder(SourceConfig.of("t")).maxDocumentBytes(100).build(), "r");
        DocumentMapper.Mapped big = small.map(turn("6", "c", 0L, "x".repeat(200), "a"));
        assertThat(big.reason()).isEqualTo(BadRowReason.DOCUMENT_TOO_LARGE);
        assertThat(big.documentId()).isEqualTo("backfill:" + DocumentMapper.conversationUuid("c") + ":0");
        DocumentMapper b2b = new DocumentMapper(RunConfig.builder(SourceConfig.of("t")).requireCustomerId(true).build(), "r");
        assertThat(b2b.map(new Turn("7", "u", null, "c", 0L, "q", "a", T)).reason()).isEqualTo(BadRowReason.MISSING_CUSTOMER_ID);
        // a multi-byte document is measured in UTF-8 bytes, not chars
        assertThat(DocumentMapper.utf8Length("é😀")).isEqualTo(6);
    }

    @Test
    void documentIdTemplatesAreValidatedAndApplied() {
        DocumentMapper byId = new DocumentMapper(RunConfig.builder(SourceConfig.of("t")).documentIdTemplate("turn-{id}").build(), "r");
        assertThat(byId.map(turn("42", "c", 0L, "q", "a")).documentId()).isEqualTo("turn-42");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunConfig.builder(SourceConfig.of("t")).documentIdTemplate("x-{conversation_id}").build())
                .hasMessageContaining("documentIdTemplate");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunConfig.builder(SourceConfig.of("t")).documentIdTemplate("{nope}-{id}").build())
                .hasMessageContaining("unknown placeholder");
    }
}
