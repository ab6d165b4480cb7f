package com.synapbackfill.source;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which source column holds what (docs/design.md §2). Every field not given keeps its default name, which
 * matches Synap's replay pattern. {@code customerId}: a B2C table has none — when the default
 * {@code customer_id} column does not exist the run sends no customer id; an explicit empty value means none
 * ({@code customerId} is then ""). {@code messageIndex} may be mapped to none as well: the documents' ids then
 * use the row id ({@code backfill:{conversation_id}:{id}}) and carry no {@code message_index}.
 * Field names are accepted in camelCase ({@code userId}) and snake_case ({@code user_id}).
 */
public record ColumnMapping(String id, String userId, String customerId, String conversationId,
                            String messageIndex, String userText, String assistantText, String createdAt) {
    /** The fields in the order users see them, with their default columns. */
    public static final Map<String, String> DEFAULTS = defaults();
    public static final ColumnMapping DEFAULT = new ColumnMapping("id", "user_id", "customer_id", "conversation_id",
            "message_index", "user_text", "assistant_text", "created_at");

    @JsonCreator
    public ColumnMapping(@JsonProperty("id") String id, @JsonProperty("userId") @JsonAlias("user_id") String userId,
                         @JsonProperty("customerId") @JsonAlias("customer_id") String customerId,
                         @JsonProperty("conversationId") @JsonAlias("conversation_id") String conversationId,
                         @JsonProperty("messageIndex") @JsonAlias("message_index") String messageIndex,
                         @JsonProperty("userText") @JsonAlias("user_text") String userText,
                         @JsonProperty("assistantText") @JsonAlias("assistant_text") String assistantText,
                         @JsonProperty("createdAt") @JsonAlias("created_at") String createdAt) {
        this.id = SqlIdentifiers.requireName("columns.id", id == null ? "id" : id);
        this.userId = SqlIdentifiers.requireName("columns.userId", userId == null ? "user_id" : userId);
        // "" means none (and stays "" in the ledger's JSON snapshot: a null would read back as the default)
        this.customerId = customerId == null ? "customer_id"
                : customerId.isEmpty() ? "" : SqlIdentifiers.requireName("columns.customerId", customerId);
        this.conversationId = SqlIdentifiers.requireName("columns.conversationId", conversationId == null ? "conversation_id" : conversationId);
        // "" means none: a table with no position column (Dify's messages); documents are then keyed by {id}
        this.messageIndex = messageIndex == null ? "message_index"
                : messageIndex.isEmpty() ? "" : SqlIdentifiers.requireName("columns.messageIndex", messageIndex);
        this.userText = SqlIdentifiers.requireName("columns.userText", userText == null ? "user_text" : userText);
        this.assistantText = SqlIdentifiers.requireName("columns.assistantText", assistantText == null ? "assistant_text" : assistantText);
        // a time may be kept as a timestamp, epoch numbers, ISO text or inside JSON: COLUMN[#/pointer][::unit], alternatives A ?? B
        this.createdAt = createdAt == null ? "created_at" : createdAt.trim();
        if (!this.createdAt.isEmpty()) MessageShape.parseAll("createdAt", this.createdAt, List.of()); // "": none (with undatedAt)
    }

    /**
     * A mapping from {@code FIELD=COLUMN} pairs (the CLI's {@code --column}, a YAML {@code columns:} map); fields in
     * camelCase or snake_case. An unknown field is an error naming it and listing the fields.
     */
    public static ColumnMapping of(String what, Map<String, String> pairs) {
        Map<String, String> byField = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            String field = field(e.getKey());
            if (field == null)
                throw new IllegalArgumentException(what + ": unknown field \"" + e.getKey() + "\"; fields: " + String.join(", ", DEFAULTS.keySet())
                        + " (or their snake_case spellings)");
            if (byField.put(field, e.getValue() == null ? "" : e.getValue().trim()) != null)
                throw new IllegalArgumentException(what + ": field " + field + " is mapped twice");
        }
        try {
            return new ColumnMapping(byField.get("id"), byField.get("userId"), byField.get("customerId"), byField.get("conversationId"),
                    byField.get("messageIndex"), byField.get("userText"), byField.get("assistantText"), byField.get("createdAt"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    /** The camelCase field for a camelCase or snake_case name, or null. */
    public static String field(String name) {
        for (String f : DEFAULTS.keySet()) {
            if (f.equals(name) || snake(f).equals(name)) return f;
        }
        return null;
    }

    /** The column of a field ("" for a customerId mapped to none). */
    public String column(String field) {
        return switch (field) {
            case "id" -> id;
            case "userId" -> userId;
            case "customerId" -> customerId;
            case "conversationId" -> conversationId;
            case "messageIndex" -> messageIndex;
            case "userText" -> userText;
            case "assistantText" -> assistantText;
            case "createdAt" -> createdAt;
            default -> throw new IllegalArgumentException("no field " + field);
        };
    }

    /** A text naming the default columns (a bad-row reason, say) rewritten with this mapping's columns. */
    public String describe(String textWithDefaultNames) {
        String s = textWithDefaultNames;
        for (Map.Entry<String, String> f : DEFAULTS.entrySet()) {
            String mine = column(f.getKey());
            if (!mine.isEmpty() && !mine.equals(f.getValue())) s = s.replaceAll("\\b" + f.getValue() + "\\b", java.util.regex.Matcher.quoteReplacement(mine));
        }
        return s;
    }

    static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, String> defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String[] f : List.of(new String[] {"id", "id"}, new String[] {"userId", "user_id"}, new String[] {"customerId", "customer_id"},
                new String[] {"conversationId", "conversation_id"}, new String[] {"messageIndex", "message_index"},
                new String[] {"userText", "user_text"}, new String[] {"assistantText", "assistant_text"}, new String[] {"createdAt", "created_at"}))
            m.put(f[0], f[1]);
        return java.util.Collections.unmodifiableMap(m);
    }
}
