package com.synapbackfill.source;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message shape (docs/design.md §2b): one source row per message, with a role; turns are made by pairing
 * the messages of a conversation. Which column (or JSON value) holds each field, which role values are the
 * user's and the assistant's, and the tables joined for fields that live elsewhere (the user on the
 * conversation table).
 *
 * <p>A field is {@code [TABLE.]COLUMN[#/json/pointer]}: a column of the message table, or of a joined table
 * (named by its table name), optionally followed by an RFC 6901 pointer into a json/jsonb (or JSON text) column.
 * A join is {@code TABLE.KEY=COLUMN}: rows of TABLE whose KEY equals the message table's COLUMN (a LEFT JOIN:
 * a message without a match has no value for the joined fields).
 *
 * @param columns        field → reference, every field present (defaults filled in; {@code customerId} and
 *                       {@code order} may be "" for none)
 * @param userRoles      role values of the user's messages
 * @param assistantRoles role values of the assistant's messages
 * @param joins          {@code TABLE.KEY=COLUMN} joins
 */
public record MessageShape(Map<String, String> columns, List<String> userRoles, List<String> assistantRoles, List<String> joins,
                           String textRemove) {
    // before DEFAULT: its construction parses with them
    private static final Pattern REF = Pattern.compile("(?:([A-Za-z_][A-Za-z0-9_$]*)\\.)?([A-Za-z_][A-Za-z0-9_$]*)(#(/.*)?)?");
    private static final Pattern UNIT = Pattern.compile("(.*?)::([A-Za-z_]+)");
    /** A constant alternative: {@code 'text'}, a quote inside doubled. */
    private static final Pattern CONSTANT = Pattern.compile("'((?:[^']|'')*)'");
    /** The fields that may be mapped to none (""). */
    static final List<String> OPTIONAL = List.of("customerId", "order", "parentId", "currentId", "currentChildId", "createdAt", "messages", "conversationCreatedAt");
    /**
     * The conversations shape (a row per conversation, {@code messages} naming the JSON that holds them): the fields read
     * inside each message, as pointers relative to it ({@code /role}, or a bare key {@code role}); the others are the row's.
     */
    public static final List<String> MESSAGE_FIELDS = List.of("id", "role", "text", "createdAt", "parentId", "currentChildId", "order");

    /** A field inside each message of the conversations shape: where it is, and the unit of a time. */
    public record MessageRef(String field, String pointer, Times.Unit unit) {
    }

    /** The pointer of a message-level field of the conversations shape ({@code /a/b}, or a bare key), or null when mapped to none. */
    public MessageRef messageRef(String field) {
        String v = columns.get(field);
        return v == null || v.isEmpty() ? null : messageRef(field, v);
    }

    static MessageRef messageRef(String field, String value) {
        Times.Unit unit = null;
        Matcher u = UNIT.matcher(value);
        String v = value;
        if (u.matches()) {
            unit = Times.Unit.of(u.group(2));
            if (unit == null)
                throw new IllegalArgumentException("columns." + field + ": unknown time unit \"" + u.group(2) + "\" in \"" + value + "\"; use " + Times.Unit.CHOICES);
            v = u.group(1);
        }
        String pointer = v.startsWith("/") ? v : "/" + v.replace("~", "~0").replace("/", "~1");
        try {
            com.fasterxml.jackson.core.JsonPointer.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("columns." + field + ": \"" + value + "\" is not a JSON pointer inside a message (/key/sub or key)");
        }
        return new MessageRef(field, pointer, unit);
    }

    /** Whether this is the conversations shape: a row per conversation, its messages inside {@code messages}. */
    @JsonIgnore
    public boolean conversations() {
        return !columns.get("messages").isEmpty();
    }
    /** The fields that are times, and may name a unit. */
    static final List<String> TIME_FIELDS = List.of("createdAt", "order", "conversationCreatedAt");
    private static final Pattern JOIN = Pattern.compile("\\s*((?:[A-Za-z_][A-Za-z0-9_$]*\\.)?[A-Za-z_][A-Za-z0-9_$]*)\\.([A-Za-z_][A-Za-z0-9_$]*)\\s*=\\s*([A-Za-z_][A-Za-z0-9_$]*)\\s*");
    /** The fields in the order users see them, with their default columns. */
    public static final Map<String, String> DEFAULTS = defaults();
    public static final List<String> DEFAULT_USER_ROLES = List.of("user", "human");
    public static final List<String> DEFAULT_ASSISTANT_ROLES = List.of("assistant", "ai");
    public static final MessageShape DEFAULT = new MessageShape(null, null, null, null);


    /**
     * A parsed field reference (one alternative of it): {@code table} null for the message table; {@code pointer}
     * null for the whole value; {@code unit} the time unit a time field names ({@code ::epoch_ms}), or null; or a
     * {@code constant}, written {@code 'text'} (the same value on every row: a single-user app's NULL user), with no
     * column.
     */
    public record Ref(String field, String table, String column, String pointer, Times.Unit unit, String constant) {
        public Ref(String field, String table, String column, String pointer) {
            this(field, table, column, pointer, null, null);
        }

        public Ref(String field, String table, String column, String pointer, Times.Unit unit) {
            this(field, table, column, pointer, unit, null);
        }

        /** Whether this is a constant, not a column. */
        public boolean isConstant() {
            return constant != null;
        }

        /** As a mapping writes it. */
        public String text() {
            if (constant != null) return "'" + constant.replace("'", "''") + "'";
            return (table == null ? "" : table + ".") + column + (pointer == null ? "" : "#" + pointer) + (unit == null ? "" : "::" + unit.spelling());
        }
    }


    private static final Map<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The separator of a field's alternatives: the first non-null wins. */
    public static final String OR = "??";

    /** A parsed join: rows of {@code table} (alias: its last name part) whose {@code key} equals our {@code column}. */
    public record Join(String table, String alias, String key, String column) {
    }

    public MessageShape(Map<String, String> columns, List<String> userRoles, List<String> assistantRoles, List<String> joins) {
        this(columns, userRoles, assistantRoles, joins, null);
    }

    /**
     * @param textRemove a regular expression whose matches are taken out of every message's text before pairing (what the
     *                   user never saw as the answer: Open WebUI's {@code <details type="reasoning">} blocks), or null
     */
    @JsonCreator
    public MessageShape(@JsonProperty("columns") Map<String, String> columns, @JsonProperty("userRoles") List<String> userRoles,
                        @JsonProperty("assistantRoles") List<String> assistantRoles, @JsonProperty("joins") List<String> joins,
                        @JsonProperty("textRemove") String textRemove) {
        this.textRemove = textRemove == null || textRemove.isBlank() ? null : textRemove;
        if (this.textRemove != null) {
            try {
                Pattern.compile(this.textRemove);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("textRemove: not a regular expression: " + e.getDescription());
            }
        }
        Map<String, String> c = new LinkedHashMap<>(DEFAULTS);
        if (columns != null) {
            for (Map.Entry<String, String> e : columns.entrySet()) {
                String f = field(e.getKey());
                if (f == null)
                    throw new IllegalArgumentException("columns: unknown field \"" + e.getKey() + "\" for the message shape; fields: "
                            + String.join(", ", DEFAULTS.keySet()) + " (or their snake_case spellings)");
                c.put(f, e.getValue() == null ? "" : e.getValue().trim());
            }
        }
        this.joins = joins == null ? List.of() : joins.stream().map(String::trim).toList();
        List<Join> parsedJoins = parseJoins(this.joins);
        boolean conversations = !c.get("messages").isEmpty();
        for (Map.Entry<String, String> e : c.entrySet()) {
            boolean optional = OPTIONAL.contains(e.getKey());
            if (e.getValue().isEmpty()) {
                if (!optional) throw new IllegalArgumentException("columns." + e.getKey() + ": is required for the message shape");
                continue;
            }
            if (conversations && MESSAGE_FIELDS.contains(e.getKey())) messageRef(e.getKey(), e.getValue());
            else parseAll(e.getKey(), e.getValue(), parsedJoins);
        }
        if (!conversations && !c.get("conversationCreatedAt").isEmpty())
            throw new IllegalArgumentException("columns.conversationCreatedAt: is a setting of the conversations shape (columns.messages)");
        this.columns = java.util.Collections.unmodifiableMap(c);
        this.userRoles = roles("userRoles", userRoles, DEFAULT_USER_ROLES);
        this.assistantRoles = roles("assistantRoles", assistantRoles, DEFAULT_ASSISTANT_ROLES);
        for (String r : this.userRoles)
            if (this.assistantRoles.contains(r))
                throw new IllegalArgumentException("assistantRoles: role \"" + r + "\" is also a user role");
    }

    /** From the CLI's pairs (fields in camelCase or snake_case), role lists and joins; errors name {@code what}. */
    public static MessageShape of(String what, Map<String, String> pairs, List<String> userRoles, List<String> assistantRoles, List<String> joins) {
        return of(what, pairs, userRoles, assistantRoles, joins, null);
    }

    /** As {@link #of(String, Map, List, List, List)}, with the text's {@code textRemove} pattern. */
    public static MessageShape of(String what, Map<String, String> pairs, List<String> userRoles, List<String> assistantRoles, List<String> joins,
                                  String textRemove) {
        try {
            return new MessageShape(pairs, userRoles, assistantRoles, joins, textRemove);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    /** The parsed reference of a field (its first alternative), or null when it is mapped to none. */
    public Ref ref(String field) {
        List<Ref> refs = refs(field);
        return refs.isEmpty() ? null : refs.get(0);
    }

    /** Every alternative of a field, in order (empty when it is mapped to none). */
    public List<Ref> refs(String field) {
        String v = columns.get(field);
        if (v == null) throw new IllegalArgumentException("no field " + field);
        return v.isEmpty() ? List.of() : parseAll(field, v, parsedJoins());
    }

    @JsonIgnore
    public List<Join> parsedJoins() {
        return parseJoins(joins);
    }

    /** The camelCase field for a camelCase or snake_case name, or null. */
    public static String field(String name) {
        for (String f : DEFAULTS.keySet()) {
            if (f.equals(name) || ColumnMapping.snake(f).equals(name)) return f;
        }
        return null;
    }

    /** A field's alternatives, {@code a ?? b ?? c}; the time fields may name a unit ({@code ::epoch_ms}). */
    static List<Ref> parseAll(String field, String value, List<Join> joins) {
        List<Ref> out = new ArrayList<>();
        for (String alt : splitAlternatives(value)) {
            String a = alt.trim();
            if (a.isEmpty())
                throw new IllegalArgumentException("columns." + field + ": \"" + SqlIdentifiers.abbreviate(value) + "\" has an empty alternative around " + OR);
            out.add(parse(field, a, joins));
        }
        return List.copyOf(out);
    }

    /** The alternatives of {@code a ?? b}, a {@code ??} inside a constant's quotes kept. */
    static List<String> splitAlternatives(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'') quoted = !quoted;
            if (!quoted && value.startsWith(OR, i)) {
                out.add(cur.toString());
                cur.setLength(0);
                i += OR.length() - 1;
                continue;
            }
            cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }

    static Ref parse(String field, String value, List<Join> joins) {
        Matcher constant = CONSTANT.matcher(value);
        if (constant.matches()) return new Ref(field, null, null, null, null, constant.group(1).replace("''", "'"));
        Times.Unit unit = null;
        Matcher u = UNIT.matcher(value);
        if (u.matches()) {
            unit = Times.Unit.of(u.group(2));
            if (unit == null)
                throw new IllegalArgumentException("columns." + field + ": unknown time unit \"" + u.group(2) + "\" in \"" + SqlIdentifiers.abbreviate(value)
                        + "\"; use " + Times.Unit.CHOICES);
            if (!TIME_FIELDS.contains(field))
                throw new IllegalArgumentException("columns." + field + ": \"" + SqlIdentifiers.abbreviate(value) + "\" names a time unit, but "
                        + field + " is not a time (units go on " + String.join(", ", TIME_FIELDS) + ")");
            value = u.group(1);
        }
        Matcher m = REF.matcher(value);
        if (!m.matches())
            throw new IllegalArgumentException("columns." + field + ": \"" + SqlIdentifiers.abbreviate(value)
                    + "\" is not COLUMN, TABLE.COLUMN, COLUMN#/json/pointer or a constant 'text' (alternatives: A " + OR + " B)");
        String table = m.group(1);
        if (table != null && joins.stream().noneMatch(j -> j.alias().equals(table)))
            throw new IllegalArgumentException("columns." + field + ": \"" + value + "\" names table " + table
                    + ", which is not joined (joins: " + (joins.isEmpty() ? "none" : joins.stream().map(Join::table).toList()) + ")");
        String pointer = m.group(3) == null ? null : m.group(4) == null ? "" : m.group(4);
        if (pointer != null && pointer.matches(".*~[^01].*|.*~$"))
            throw new IllegalArgumentException("columns." + field + ": \"" + value + "\": a JSON pointer escapes ~ as ~0 and / as ~1");
        return new Ref(field, table, m.group(2), pointer, unit);
    }

    static List<Join> parseJoins(List<String> joins) {
        List<Join> out = new ArrayList<>();
        java.util.Set<String> aliases = new LinkedHashSet<>();
        for (String j : joins) {
            Matcher m = JOIN.matcher(j);
            if (!m.matches())
                throw new IllegalArgumentException("joins: \"" + SqlIdentifiers.abbreviate(j) + "\" is not TABLE.KEY=COLUMN "
                        + "(e.g. conversations.id=conversation_id: the conversations row whose id is the message's conversation_id)");
            String table = m.group(1);
            String alias = table.substring(table.lastIndexOf('.') + 1);
            if (!aliases.add(alias)) throw new IllegalArgumentException("joins: table " + alias + " is joined twice");
            out.add(new Join(table, alias, m.group(2), m.group(3)));
        }
        return out;
    }

    private static List<String> roles(String what, List<String> given, List<String> defaults) {
        if (given == null || given.isEmpty()) return defaults;
        List<String> out = given.stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
        if (out.isEmpty()) throw new IllegalArgumentException(what + ": lists no role value");
        return out;
    }

    /** A role's kind: "user", "assistant", or null (skipped). */
    public String kindOf(String role) {
        if (role == null) return null;
        String r = role.trim();
        if (userRoles.contains(r)) return "user";
        if (assistantRoles.contains(r)) return "assistant";
        return null;
    }

    /** The message text with what {@code textRemove} matches taken out (null stays null). */
    public String cleanText(String text) {
        return text == null || textRemove == null ? text : PATTERNS.computeIfAbsent(textRemove, Pattern::compile).matcher(text).replaceAll("");
    }

    /** A text naming the default columns (a bad-row reason) rewritten with this shape's fields. */
    public String describe(String textWithDefaultNames) {
        String s = textWithDefaultNames;
        for (String f : List.of("userId", "customerId", "conversationId", "createdAt")) {
            String mine = columns.get(f);
            if (!mine.isEmpty()) s = s.replaceAll("\\b" + ColumnMapping.snake(f) + "\\b", Matcher.quoteReplacement(mine));
        }
        return s.replace("message_index is null", "the turn has no position");
    }

    private static Map<String, String> defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", "id");
        m.put("conversationId", "conversation_id");
        m.put("userId", "user_id");
        m.put("customerId", "customer_id");
        m.put("role", "role");
        m.put("text", "content");
        m.put("createdAt", "created_at");
        m.put("order", "");
        // branches: never mapped by default (apps use parent links for other things too)
        m.put("parentId", "");
        m.put("currentId", "");
        // the child the app shows after a message, held on the parent (a latest_child_message_id column)
        m.put("currentChildId", "");
        // the conversations shape: where the messages are (COLUMN#/pointer to an array, or a map of messages by id), and the
        // row's own time for messages that have none
        m.put("messages", "");
        m.put("conversationCreatedAt", "");
        return java.util.Collections.unmodifiableMap(m);
    }
}
