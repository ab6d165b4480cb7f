package com.synapbackfill.source;

import com.synapbackfill.model.BadRowReason;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.synap.BatchBody;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.Turn;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns a source row into the document Synap's replay pattern describes (docs/design.md §3), or says why it cannot.
 * Pure and deterministic: the same row always gives the same document and document id.
 */
public final class DocumentMapper {
    /** Namespace of the name-based (v5) UUIDs made from non-UUID conversation ids. Never change it. */
    public static final UUID CONVERSATION_NAMESPACE = UUID.fromString("5b0f7d3e-6f43-4b8e-9c55-3a1f2d7c9e10");
    private static final Pattern CANONICAL_UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private static final Pattern LOWER_UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final RunConfig config;
    private final String runId;
    private final boolean hasIndex; // a turn table mapped without a position column has none to check
    private final boolean exactIds;

    /** The earliest time a turn may have: nothing was chatted before 1970 (a BC date or -infinity is a broken row). */
    public static final java.time.Instant EARLIEST = java.time.Instant.EPOCH;
    /** How far ahead of now a turn may be dated: clocks drift, history is not written in the future. */
    public static final java.time.Duration AHEAD = java.time.Duration.ofDays(1);

    private final java.time.Clock clock;

    public DocumentMapper(RunConfig config, String runId) {
        this(config, runId, java.time.Clock.systemUTC());
    }

    public DocumentMapper(RunConfig config, String runId, java.time.Clock clock) {
        this.clock = clock;
        this.config = config;
        this.runId = runId;
        this.hasIndex = config.source().messageShape() || !config.source().columns().messageIndex().isEmpty();
        this.exactIds = config.conversationIds() == RunConfig.EXACT_CONVERSATION_IDS;
    }

    /**
     * The outcome of mapping one row: a document, a reason (with the document id when one exists), or neither
     * when the run's filter or cutover left the row out. {@code json} is the document as it goes on the wire,
     * encoded once here for the batch byte cap and the request body.
     */
    public record Mapped(Turn turn, MemoryDocument document, String documentId, BadRowReason reason, byte[] json) {
        Mapped(Turn turn, MemoryDocument document, String documentId, BadRowReason reason) {
            this(turn, document, documentId, reason, document == null ? null : BatchBody.encode(document));
        }

        public boolean ok() {
            return document != null;
        }

        public boolean skipped() {
            return turn.skipped();
        }
    }

    /** A bad-row reason in the source's own column names ({@code sent_at is null}, not {@code created_at is null}). */
    public String describe(BadRowReason reason) {
        if (config.source().messageShape()) return config.source().messages().describe(reason.description());
        return config.source().columns().describe(reason.description());
    }

    /** A bad row's reason in the source's names, with the value behind it when there is one ({@code ...: "yesterday"}). */
    public String describe(Mapped m) {
        String d = describe(m.reason());
        String detail = m.reason() == BadRowReason.IMPOSSIBLE_TIMESTAMP ? m.turn().createdAt().toString()
                : m.reason() == BadRowReason.UNPAIRED_SURROGATE ? "at character " + Math.max(unpaired(m.turn().userText()), unpaired(m.turn().assistantText()))
                : m.turn().problemDetail();
        return detail == null ? d : d + ": \"" + detail + "\"";
    }

    public Mapped map(Turn t) {
        if (t.skipped()) return new Mapped(t, null, null, null);
        String documentId = documentId(t);
        BadRowReason reason = t.problem();
        if (reason != null) return new Mapped(t, null, documentId, reason);
        boolean hasUser = !blank(t.userText());
        boolean hasAssistant = !blank(t.assistantText());
        if (!hasUser && !hasAssistant) reason = BadRowReason.EMPTY_TEXT;
        else if (t.createdAt() == null) reason = BadRowReason.MISSING_TIMESTAMP;
        else if (t.createdAt().isBefore(EARLIEST) || t.createdAt().isAfter(clock.instant().plus(AHEAD))) reason = BadRowReason.IMPOSSIBLE_TIMESTAMP;
        else if (blank(t.userId())) reason = BadRowReason.MISSING_USER_ID;
        else if (config.requireCustomerId() && blank(t.customerId())) reason = BadRowReason.MISSING_CUSTOMER_ID;
        else if (blank(t.conversationId())) reason = BadRowReason.MISSING_CONVERSATION_ID;
        else if (t.messageIndex() == null && hasIndex) reason = BadRowReason.MISSING_MESSAGE_INDEX;
        if (reason != null) return new Mapped(t, null, documentId, reason);

        if (unpaired(t.userText()) >= 0 || unpaired(t.assistantText()) >= 0) return new Mapped(t, null, documentId, BadRowReason.UNPAIRED_SURROGATE);
        String text = hasUser && hasAssistant ? "User: " + t.userText() + "\nAssistant: " + t.assistantText()
                : hasUser ? "User: " + t.userText() : "Assistant: " + t.assistantText();
        if (utf8Length(text) > config.maxDocumentBytes()) return new Mapped(t, null, documentId, BadRowReason.DOCUMENT_TOO_LARGE);

        String conversationUuid = conversationUuid(t.conversationId(), exactIds);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("conversation_id", conversationUuid);
        metadata.put("source", "backfill");
        if (t.messageIndex() != null) metadata.put("message_index", t.messageIndex());
        metadata.put("run_id", runId);
        metadata.put("source_row_id", t.id());
        if (t.messages() > 0) metadata.put("source_messages", t.messages());
        // dated by the operator's --undated-at, not by the source: recency and temporal reasoning see one day
        if (t.createdAt().equals(config.source().undatedAtInstant())) metadata.put("time_source", "undated_at");
        if (!conversationUuid.equals(t.conversationId()) && !(!exactIds && conversationUuid.equalsIgnoreCase(t.conversationId())))
            metadata.put("source_conversation_id", t.conversationId());
        MemoryDocument doc = new MemoryDocument(text, config.documentType(), documentId, t.createdAt().toString(),
                t.userId(), config.omitCustomerId() || blank(t.customerId()) ? null : t.customerId(), config.mode(), metadata);
        return new Mapped(t, doc, documentId, null);
    }

    /** The document id from the configured template, or null when a placeholder's value is missing. */
    public String documentId(Turn t) {
        String template = config.documentIdTemplate();
        boolean needsConversation = template.contains("{conversation_id}") || template.contains("{source_conversation_id}");
        if (needsConversation && blank(t.conversationId())) return null;
        if (template.contains("{message_index}") && t.messageIndex() == null) return null;
        String s = template;
        if (s.contains("{conversation_id}")) s = s.replace("{conversation_id}", conversationUuid(t.conversationId(), exactIds));
        if (s.contains("{source_conversation_id}")) s = s.replace("{source_conversation_id}", t.conversationId());
        if (s.contains("{message_index}")) s = s.replace("{message_index}", Long.toString(t.messageIndex()));
        return s.replace("{id}", t.id());
    }

    /**
     * Synap's conversation UUID for a source conversation id, so that distinct source values never share one: the value
     * itself when it is a lower-case UUID that is not name-based (version 5); anything else (text, an upper-case UUID, a
     * v5 UUID) is named: a v5 UUID of the exact value under the fixed namespace. Kept UUIDs are never v5 and named ones
     * always are, so the two cannot meet; named values differ as their SHA-1s do.
     */
    public static String conversationUuid(String conversationId) {
        return conversationUuid(conversationId, true);
    }

    /**
     * As {@link #conversationUuid(String)}, or (a run recorded before {@link RunConfig#EXACT_CONVERSATION_IDS},
     * {@code exact} false) as it was then: every UUID kept, lower-cased.
     */
    public static String conversationUuid(String conversationId, boolean exact) {
        if (!exact) {
            if (CANONICAL_UUID.matcher(conversationId).matches()) return conversationId.toLowerCase();
            return nameUuid(CONVERSATION_NAMESPACE, conversationId).toString();
        }
        if (LOWER_UUID.matcher(conversationId).matches() && conversationId.charAt(14) != '5') return conversationId;
        return nameUuid(CONVERSATION_NAMESPACE, conversationId).toString();
    }

    /** RFC 4122 name-based UUID, version 5 (SHA-1). */
    static UUID nameUuid(UUID namespace, String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            java.nio.ByteBuffer ns = java.nio.ByteBuffer.allocate(16);
            ns.putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits());
            sha1.update(ns.array());
            byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(h, 0, 16);
            return new UUID(bb.getLong(), bb.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The index of the first unpaired surrogate in {@code s}, or -1 (none, or no text). */
    static int unpaired(String s) {
        if (s == null) return -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
                else return i;
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) { n += 4; i++; }
            else n += 3;
        }
        return n;
    }
}
