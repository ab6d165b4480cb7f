package com.synapbackfill.source;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * Values of the message shape's fields, read from a column's text: the text itself, or, for a json/jsonb column
 * or a {@code #/pointer} reference, the JSON value at the pointer (RFC 6901).
 */
final class MessageValues {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MessageValues() {
    }

    /** A text field's value: the text, or {@code unreadable} (the message is a bad row). */
    record Text(String text, boolean unreadable) {
        static final Text NONE = new Text(null, false);
    }

    /**
     * The message text: a string as it is; an array: the {@code text} of its elements whose {@code type} is
     * {@code text}, and its string elements, joined by {@code \n} (Vercel's parts, LangChain's content blocks);
     * anything else (a number, an object, a missing pointer target, JSON that does not parse) is unreadable.
     * SQL NULL is no text (the message is skipped as {@code empty_text}). {@code json}: the value is read as JSON
     * ({@code doc} is its parse, null when it did not parse).
     */
    static Text text(String raw, JsonNode doc, String pointer, boolean json) {
        if (raw == null) return Text.NONE;
        if (!json) return new Text(raw, false);
        JsonNode n = at(doc, pointer);
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

    /** Any other field's value: a JSON string or number as text; anything else is none. */
    static String scalar(String raw, JsonNode doc, String pointer, boolean json) {
        if (raw == null) return null;
        if (!json) return raw;
        JsonNode n = at(doc, pointer);
        if (n == null || n.isMissingNode() || n.isNull() || n.isContainerNode()) return null;
        return n.asText();
    }

    /** A column's text parsed as JSON, or null when it is not JSON. */
    static JsonNode parse(String raw) {
        if (raw == null) return null;
        try {
            return JSON.readTree(raw);
        } catch (Exception notJson) {
            return null;
        }
    }

    /** The value at {@code pointer} ("" or null: the whole document), or null when there is no document. */
    private static JsonNode at(JsonNode doc, String pointer) {
        if (doc == null) return null;
        return pointer == null || pointer.isEmpty() ? doc : doc.at(JsonPointer.compile(pointer));
    }
}
