package com.synapbackfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** The rules that turn a JSON value into a message's text, and the one parse of a column's JSON text. */
final class MessageValues {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** A column's text parsed as JSON, or null when it is not JSON. */
    static JsonNode parse(String raw) {
        if (raw == null) return null;
        try {
            return JSON.readTree(raw);
        } catch (Exception notJson) {
            return null;
        }
    }
}
