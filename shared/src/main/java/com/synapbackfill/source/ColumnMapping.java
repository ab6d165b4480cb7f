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
 *
 * <p>The value fields ({@code userId}, {@code customerId}, {@code conversationId}, {@code userText}, {@code assistantText})
 * take the field language of every shape: a column, {@code COLUMN#/json/pointer} into a json or text column, a constant
 * {@code 'text'}, and alternatives {@code a ?? b} (the first that is not null). {@code id} and {@code messageIndex} are
 * columns of the table itself: pages are read by the id, and the index is a number.
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
        this.id = plain("id", id == null ? "id" : id, "pages are read by it");
        this.userId = value("userId", userId == null ? "user_id" : userId);
        // "" means none (and stays "" in the ledger's JSON snapshot: a null would read back as the default)
        this.customerId = customerId == null ? "customer_id" : customerId.isEmpty() ? "" : value("customerId", customerId);
        this.conversationId = value("conversationId", conversationId == null ? "conversation_id" : conversationId);
        // "" means none: a table with no position column (Dify's messages); documents are then keyed by {id}
        this.messageIndex = messageIndex == null ? "message_index"
                : messageIndex.isEmpty() ? "" : plain("messageIndex", messageIndex, "it is a number read as it is");
        this.userText = value("userText", userText == null ? "user_text" : userText);
        this.assistantText = value("assistantText", assistantText == null ? "assistant_text" : assistantText);
        // a time may be kept as a timestamp, epoch numbers, ISO text or inside JSON: COLUMN[#/pointer][::unit], alternatives A ?? B
        this.createdAt = createdAt == null ? "created_at" : createdAt.trim();
        if (!this.createdAt.isEmpty()) MessageShape.parseAll("createdAt", this.createdAt, List.of()); // "": none (with undatedAt)
    }

    /** A field that must be a column of the table itself: another kind is named as what the turn shape cannot read, and how to. */
    private static String plain(String field, String v, String why) {
        try {
            return SqlIdentifiers.requireName("columns." + field, v);
        } catch (IllegalArgumentException e) {
            if (!v.contains(MessageShape.OR) && !v.contains("#") && !v.contains(".") && !v.startsWith("'")) throw e;
            throw new IllegalArgumentException("columns." + field + ": \"" + SqlIdentifiers.abbreviate(v) + "\": in a row per turn the "
                    + field + " is a column of the table itself (" + why + "); compute it in a --query (SELECT ... AS " + field + ")");
        }
    }

    /** A value field's reference, checked in the field language; a joined table is named as what the turn shape cannot read. */
    private static String value(String field, String v) {
        String t = v.trim();
        for (String alt : MessageShape.splitAlternatives(t)) {
            String a = alt.trim();
            if (a.matches("[A-Za-z_][A-Za-z0-9_$]*\\.[A-Za-z_][A-Za-z0-9_$]*(#.*)?"))
                throw new IllegalArgumentException("columns." + field + ": \"" + SqlIdentifiers.abbreviate(a) + "\" names a column of another "
                        + "table; a row per turn reads its own table's columns. Read it with --shape messages and --join, or through --query "
                        + "(a SELECT that joins it)");
        }
        MessageShape.parseAll(field, t, List.of());
        return t;
    }

    /** Every alternative of a value field, parsed ({@link MessageShape.Ref}); empty when mapped to none. */
    public List<MessageShape.Ref> refs(String field) {
        String v = column(field);
        return v.isEmpty() ? List.of() : MessageShape.parseAll(field, v, List.of());
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
