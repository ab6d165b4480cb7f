package com.synapbackfill.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.synapbackfill.source.SourceConfig;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that shapes one run, snapshotted in the ledger at {@code start} so every worker of the run uses
 * the same values. Holds no secrets. Every field is validated here and the error names the field.
 *
 * @param source              the source table
 * @param batchSize           documents per batch_create call, 1..100
 * @param maxBatchBytes       cap on one call's JSON body
 * @param maxDocumentBytes    a document over this (UTF-8) becomes a failure item instead of being sent
 * @param pageSize            rows per keyset page
 * @param shardTargetRows     rows per shard the planner aims at
 * @param mode                Synap ingestion mode: long-range or fast
 * @param documentType        Synap document_type
 * @param documentIdTemplate  document id from {@code {conversation_id}}, {@code {message_index}}, {@code {id}}
 * @param rateLimitPerMinute  the Instance's limit, shared by every worker
 * @param rateLimitUnit       CALL or DOCUMENT
 * @param requireCustomerId   B2B: rows without customer_id are bad rows
 * @param conversationIds     how a source conversation id becomes Synap's conversation UUID (and so the document ids):
 *                            {@link #EXACT_CONVERSATION_IDS} for every run started now; {@link #LEGACY_CONVERSATION_IDS} for
 *                            a run recorded before it existed (absent from its snapshot), so that it keeps its ids
 * @param allowOverage        the run may start although Synap's estimate of it is over the balance (billed as overage)
 * @param maxCredits          what the run may spend at most, in credits (null: no cap); at the cap it stops BLOCKED
 * @param creditsPerDocument  Synap's price of one document in the run's mode, read when it started (null, or 0 in a run
 *                            recorded before prices were exact: no usable price, the cap then counts documents; see
 *                            {@link #creditPrice()})
 * @param omitCustomerId      true on a B2C Instance: customer_id is not sent (Synap refuses it there), user_id alone is the
 *                            scope
 */
public record RunConfig(SourceConfig source, int batchSize, int maxBatchBytes, int maxDocumentBytes, int pageSize,
                        int shardTargetRows, String mode, String documentType, String documentIdTemplate,
                        int rateLimitPerMinute, RateLimitUnit rateLimitUnit, boolean requireCustomerId, int conversationIds,
                        boolean allowOverage, Long maxCredits, Double creditsPerDocument, boolean omitCustomerId) {
    /** Runs recorded before 2026-12-04: UUIDs lower-cased, every UUID kept (ids that differ by case, or a text whose name-based UUID is another row's UUID, merged). */
    public static final int LEGACY_CONVERSATION_IDS = 1;
    /** The source value exactly: only a lower-case UUID that is not name-based (v5) is kept; anything else is named (v5). */
    public static final int EXACT_CONVERSATION_IDS = 2;
    public static final int MAX_BATCH = 100;
    public static final Set<String> MODES = Set.of("long-range", "fast");
    public static final Set<String> DOCUMENT_TYPES = Set.of("ai-chat-conversation", "document", "email", "pdf",
            "image", "audio", "meeting-transcript");
    public static final String DEFAULT_DOCUMENT_ID_TEMPLATE = "backfill:{conversation_id}:{message_index}";
    /**
     * The default for the message shape, and for a turn table without a position column: the id of the turn's
     * first message stays the same when later messages are appended to the conversation.
     */
    public static final String ID_DOCUMENT_ID_TEMPLATE = "backfill:{conversation_id}:{id}";

    /** The default document id template for a source. */
    public static String defaultTemplate(com.synapbackfill.source.SourceConfig source) {
        return source.messageShape() || source.columns().messageIndex().isEmpty() ? ID_DOCUMENT_ID_TEMPLATE : DEFAULT_DOCUMENT_ID_TEMPLATE;
    }

    /** The unit of a rate limit: one per call, or one per document sent. */
    public enum RateLimitUnit { CALL, DOCUMENT }

    @JsonCreator
    public RunConfig(@JsonProperty("source") SourceConfig source, @JsonProperty("batchSize") int batchSize,
                     @JsonProperty("maxBatchBytes") int maxBatchBytes,
                     @JsonProperty("maxDocumentBytes") int maxDocumentBytes, @JsonProperty("pageSize") int pageSize,
                     @JsonProperty("shardTargetRows") int shardTargetRows, @JsonProperty("mode") String mode,
                     @JsonProperty("documentType") String documentType,
                     @JsonProperty("documentIdTemplate") String documentIdTemplate,
                     @JsonProperty("rateLimitPerMinute") int rateLimitPerMinute,
                     @JsonProperty("rateLimitUnit") RateLimitUnit rateLimitUnit,
                     @JsonProperty("requireCustomerId") boolean requireCustomerId,
                     @JsonProperty("conversationIds") int conversationIds,
                     @JsonProperty("allowOverage") boolean allowOverage,
                     @JsonProperty("maxCredits") Long maxCredits,
                     @JsonProperty("creditsPerDocument") Double creditsPerDocument,
                     @JsonProperty("omitCustomerId") boolean omitCustomerId) {
        this.source = Objects.requireNonNull(source, "source: is required");
        this.batchSize = inRange("batchSize", batchSize, 1, MAX_BATCH);
        this.maxBatchBytes = inRange("maxBatchBytes", maxBatchBytes, 16 * 1024, 64 * 1024 * 1024);
        this.maxDocumentBytes = inRange("maxDocumentBytes", maxDocumentBytes, 64, maxBatchBytes - 1024);
        this.pageSize = inRange("pageSize", pageSize, 1, 10_000);
        this.shardTargetRows = inRange("shardTargetRows", shardTargetRows, 1, 10_000_000);
        this.mode = oneOf("mode", mode, MODES);
        this.documentType = oneOf("documentType", documentType, DOCUMENT_TYPES);
        this.documentIdTemplate = validTemplate(documentIdTemplate);
        this.rateLimitPerMinute = inRange("rateLimitPerMinute", rateLimitPerMinute, 1, 1_000_000);
        this.rateLimitUnit = Objects.requireNonNull(rateLimitUnit, "rateLimitUnit: is required (CALL or DOCUMENT)");
        this.requireCustomerId = requireCustomerId;
        this.conversationIds = conversationIds == 0 ? LEGACY_CONVERSATION_IDS
                : inRange("conversationIds", conversationIds, LEGACY_CONVERSATION_IDS, EXACT_CONVERSATION_IDS);
        this.allowOverage = allowOverage;
        if (maxCredits != null && maxCredits < 1) throw new IllegalArgumentException("maxCredits: must be >= 1, was " + maxCredits);
        this.maxCredits = maxCredits;
        if (creditsPerDocument != null && (creditsPerDocument < 0 || creditsPerDocument.isNaN() || creditsPerDocument.isInfinite()))
            throw new IllegalArgumentException("creditsPerDocument: must be >= 0, was " + creditsPerDocument);
        this.creditsPerDocument = creditsPerDocument;
        this.omitCustomerId = omitCustomerId;
    }

    /**
     * What the run's cap counts: Synap's price of a document, exact, when it gave a positive one; else documents (a run
     * recorded with a price of 0 too: its cap then counts documents instead of never being reached).
     */
    @JsonIgnore
    public CreditPrice creditPrice() {
        return CreditPrice.of(creditsPerDocument);
    }

    /** Defaults for everything but the source. */
    public static Builder builder(SourceConfig source) {
        return new Builder(source);
    }

    public Builder toBuilder() {
        return new Builder(source).batchSize(batchSize).maxBatchBytes(maxBatchBytes).maxDocumentBytes(maxDocumentBytes)
                .pageSize(pageSize).shardTargetRows(shardTargetRows).mode(mode).documentType(documentType)
                .documentIdTemplate(documentIdTemplate).rateLimitPerMinute(rateLimitPerMinute)
                .rateLimitUnit(rateLimitUnit).requireCustomerId(requireCustomerId).conversationIds(conversationIds)
                .allowOverage(allowOverage).maxCredits(maxCredits).creditsPerDocument(creditsPerDocument).omitCustomerId(omitCustomerId);
    }

    /** Documents per second the Instance allows with full batches. */
    @JsonIgnore
    public double ceilingDocsPerSecond() {
        return rateLimitUnit == RateLimitUnit.CALL ? rateLimitPerMinute / 60.0 * batchSize : rateLimitPerMinute / 60.0;
    }

    static int inRange(String field, int v, int min, int max) {
        if (v < min || v > max) throw new IllegalArgumentException(field + ": must be " + min + ".." + max + ", was " + v);
        return v;
    }

    static String oneOf(String field, String v, Set<String> allowed) {
        if (v == null || !allowed.contains(v)) throw new IllegalArgumentException(field + ": must be one of " + new java.util.TreeSet<>(allowed) + ", was " + v);
        return v;
    }

    static String validTemplate(String t) {
        if (t == null || t.isBlank()) throw new IllegalArgumentException("documentIdTemplate: is required");
        String rest = t.replace("{conversation_id}", "").replace("{message_index}", "").replace("{id}", "")
                .replace("{source_conversation_id}", "");
        if (rest.contains("{") || rest.contains("}"))
            throw new IllegalArgumentException("documentIdTemplate: unknown placeholder in \"" + t + "\" (allowed: {conversation_id}, {message_index}, {id}, {source_conversation_id})");
        boolean unique = t.contains("{id}") || (t.contains("{message_index}") && (t.contains("{conversation_id}") || t.contains("{source_conversation_id}")));
        if (!unique)
            throw new IllegalArgumentException("documentIdTemplate: must contain {id}, or {message_index} with {conversation_id}, so every row gets its own id; was \"" + t + "\"");
        return t;
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private final SourceConfig source;
        private int batchSize = 100;
        private int maxBatchBytes = 6 * 1024 * 1024;
        private int maxDocumentBytes = 256 * 1024;
        private int pageSize = 500;
        private int shardTargetRows = 20_000;
        private String mode = "long-range";
        private String documentType = "ai-chat-conversation";
        private String documentIdTemplate; // null: the source's default
        private int rateLimitPerMinute = 600;
        private RateLimitUnit rateLimitUnit = RateLimitUnit.CALL;
        private boolean requireCustomerId;
        private int conversationIds = EXACT_CONVERSATION_IDS;
        private boolean allowOverage;
        private Long maxCredits;
        private Double creditsPerDocument;
        private boolean omitCustomerId;

        Builder(SourceConfig source) { this.source = source; }
        public Builder conversationIds(int v) { conversationIds = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder maxBatchBytes(int v) { maxBatchBytes = v; return this; }
        public Builder maxDocumentBytes(int v) { maxDocumentBytes = v; return this; }
        public Builder pageSize(int v) { pageSize = v; return this; }
        public Builder shardTargetRows(int v) { shardTargetRows = v; return this; }
        public Builder mode(String v) { mode = v; return this; }
        public Builder documentType(String v) { documentType = v; return this; }
        public Builder documentIdTemplate(String v) { documentIdTemplate = v; return this; }
        public Builder rateLimitPerMinute(int v) { rateLimitPerMinute = v; return this; }
        public Builder rateLimitUnit(RateLimitUnit v) { rateLimitUnit = v; return this; }
        public Builder requireCustomerId(boolean v) { requireCustomerId = v; return this; }
        public Builder allowOverage(boolean v) { allowOverage = v; return this; }
        public Builder maxCredits(Long v) { maxCredits = v; return this; }
        public Builder creditsPerDocument(Double v) { creditsPerDocument = v; return this; }
        public Builder omitCustomerId(boolean v) { omitCustomerId = v; return this; }

        public RunConfig build() {
            return new RunConfig(source, batchSize, maxBatchBytes, maxDocumentBytes, pageSize, shardTargetRows, mode,
                    documentType, documentIdTemplate == null ? defaultTemplate(source) : documentIdTemplate, rateLimitPerMinute, rateLimitUnit, requireCustomerId,
                    conversationIds, allowOverage, maxCredits, creditsPerDocument, omitCustomerId);
        }
    }
}
