package com.synapbackfill.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** The rules that turn a JSON value into a message's text, and the one parse of a column's JSON text. */
final class MessageValues {
    private MessageValues() {
    }

    /** A text field's value: the text, or {@code unreadable} (the message is a bad row). */
    record Text(String text, boolean unreadable) {
        static final Text NONE = new Text(null, false);
    }

    /**
     * The message text of a JSON value: a string as it is; an array: the {@code text} of its elements whose
     * {@code type} is {@code text}, and its string elements, joined by {@code \n} (Vercel's parts, LangChain's
     * content blocks); JSON null is no text (the message is skipped as {@code empty_text}); anything else (a number,
     * an object, a pointer that finds nothing) is unreadable.
     */
    static Text text(JsonNode n) {
        if (n == null || n.isMissingNode()) return new Text(null, true);
        if (n.isTextual()) return new Text(n.textValue(), false);
        if (n.isNull()) return Text.NONE;
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode e : n) {
                if (e.isTextual()) parts.add(e.textValue());
                else if (e.isObject() && "text".equals(e.path("type").asText(null)) && e.path("text").isTextual()) parts.add(e.get("text").textValue());
            }
            return new Text(String.join("\n", parts), false);
        }
        return new Text(null, true);
    }

    /** The text of a column's value {@code raw} (parsed {@code doc}, at {@code pointer} when {@code json}). */
    static Text text(String raw, JsonNode doc, String pointer, boolean json) {
        if (raw == null) return Text.NONE;
        if (!json) return new Text(raw, false);
        return doc == null ? new Text(null, true) : text(at(doc, pointer));
    }

    /** A scalar field's value of a column's value {@code raw} (a JSON string or number as text; anything else is none). */
    static String scalar(String raw, JsonNode doc, String pointer, boolean json) {
        if (raw == null) return null;
        return json ? Value.scalar(doc == null ? null : at(doc, pointer)) : raw;
    }

    private static JsonNode at(JsonNode doc, String pointer) {
        return pointer == null || pointer.isEmpty() ? doc : doc.at(com.fasterxml.jackson.core.JsonPointer.compile(pointer));
    }

    /**
     * Containers kept up to this depth: Jackson's own default ({@code StreamReadConstraints.DEFAULT_MAX_DEPTH}, 1,000).
     * Deeper values are left out of the tree, as if absent, rather than failing the whole value: a mapping reads a few
     * fields near the top (a chat's messages, their role and text), and an unused field nested past 1,000 levels (a
     * tool's raw output, say) used to make a whole conversation unreadable ("the messages are not a JSON array or object").
     */
    static final int MAX_TREE_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;
    /**
     * How deep the parser may go at all, skipping what is past {@link #MAX_TREE_DEPTH} (its memory grows with the depth
     * it walks, not with the text it skips): deeper than this, the value is not read and counts as not JSON.
     */
    static final int MAX_READ_DEPTH = 100_000;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_READ_DEPTH).build()).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Keys that appeared twice in one JSON object, in every value this process read (the last value is the one read). */
    private static final java.util.concurrent.atomic.LongAdder DUPLICATE_KEYS = new java.util.concurrent.atomic.LongAdder();
    /** Where the first of them was (a JSON pointer, e.g. {@code /messages/3/content}): a key's path, never a value. */
    private static volatile String firstDuplicate;

    /** Duplicate keys read so far (see {@link #parse}). */
    public static long duplicateKeys() {
        return DUPLICATE_KEYS.sum();
    }

    /** The JSON pointer of the first duplicate key read, or null. */
    public static String firstDuplicateKey() {
        return firstDuplicate;
    }

    /** A column's text parsed as JSON, or null when it is not JSON. */
    static JsonNode parse(String raw) {
        return read(raw).node();
    }

    /**
     * A column's JSON as the fields read it.
     *
     * @param node          the value (null when it is not JSON)
     * @param duplicateKeys keys that appeared twice in one of its objects: the last value is kept, as PostgreSQL's
     *                      {@code jsonb}, MySQL's {@code JSON}, JavaScript's {@code JSON.parse} and Python's {@code json}
     *                      keep it, so a document holds what the app showed; counted (see {@link #duplicateKeys})
     * @param prunedDepth   the depth of the deepest value left out (past {@link #MAX_TREE_DEPTH}), 0 when none was
     * @param problem       why it is not JSON ({@code nested deeper than 100,000 levels ...}), null when it is
     */
    record Parsed(JsonNode node, int duplicateKeys, int prunedDepth, String problem) {
    }

    /**
     * Parses {@code raw} into a tree, by hand rather than {@code readTree}: duplicate keys are counted instead of silently
     * replaced, and containers past {@link #MAX_TREE_DEPTH} are skipped instead of failing the whole value. Iterative: no
     * recursion, whatever the depth. Numbers, strings and literals become the nodes {@code readTree} makes.
     */
    static Parsed read(String raw) {
        if (raw == null) return new Parsed(null, 0, 0, null);
        try (JsonParser p = FACTORY.createParser(raw)) {
            java.util.ArrayDeque<ContainerNode<?>> open = new java.util.ArrayDeque<>();
            java.util.ArrayDeque<String> path = new java.util.ArrayDeque<>();
            JsonNode root = null;
            String name = null;
            int duplicates = 0;
            int pruned = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME) {
                    name = p.currentName();
                    continue;
                }
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    open.pop();
                    if (!path.isEmpty()) path.pop();
                    if (open.isEmpty()) break;
                    continue;
                }
                if (t.isStructStart() && open.size() >= MAX_TREE_DEPTH) {
                    pruned = Math.max(pruned, open.size() + 1);
                    p.skipChildren();
                    continue;
                }
                JsonNode value = switch (t) {
                    case START_OBJECT -> NODES.objectNode();
                    case START_ARRAY -> NODES.arrayNode();
                    case VALUE_STRING -> NODES.textNode(p.getText());
                    case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                        case INT -> NODES.numberNode(p.getIntValue());
                        case LONG -> NODES.numberNode(p.getLongValue());
                        default -> NODES.numberNode(p.getBigIntegerValue());
                    };
                    case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
                    case VALUE_TRUE -> NODES.booleanNode(true);
                    case VALUE_FALSE -> NODES.booleanNode(false);
                    case VALUE_NULL -> NODES.nullNode();
                    default -> throw new JsonParseException(p, "unexpected token " + t);
                };
                ContainerNode<?> parent = open.peek();
                String segment = null;
                if (parent instanceof ObjectNode o) {
                    segment = name;
                    if (o.replace(name, value) != null) {
                        duplicates++;
                        noteDuplicate(path, name);
                    }
                } else if (parent instanceof ArrayNode a) {
                    segment = Integer.toString(a.size());
                    a.add(value);
                } else {
                    root = value;
                }
                if (value instanceof ContainerNode<?> c) {
                    open.push(c);
                    if (segment != null) path.push(segment);
                } else if (parent == null) {
                    break; // a scalar document
                }
            }
            // an empty text is no value, as readTree has it (a container read from it finds nothing, nothing is sent)
            if (root == null) return new Parsed(com.fasterxml.jackson.databind.node.MissingNode.getInstance(), 0, 0, null);
            return new Parsed(root, duplicates, pruned, null);
        } catch (StreamConstraintsException tooDeep) {
            return new Parsed(null, 0, 0, "nested deeper than " + String.format(java.util.Locale.ROOT, "%,d", MAX_READ_DEPTH)
                    + " levels (Jackson's StreamReadConstraints maxNestingDepth)");
        } catch (com.fasterxml.jackson.core.JacksonException notJson) {
            return new Parsed(null, 0, 0, "not JSON: " + notJson.getOriginalMessage());
        } catch (java.io.IOException notJson) {
            return new Parsed(null, 0, 0, "not JSON: " + notJson.getMessage());
        }
    }

    private static void noteDuplicate(java.util.ArrayDeque<String> path, String name) {
        DUPLICATE_KEYS.increment();
        if (firstDuplicate != null) return;
        StringBuilder b = new StringBuilder();
        for (java.util.Iterator<String> it = path.descendingIterator(); it.hasNext(); ) b.append('/').append(escape(it.next()));
        firstDuplicate = b.append('/').append(escape(name)).toString();
    }

    /** A key as an RFC 6901 pointer segment. */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
