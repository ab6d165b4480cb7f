package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an endpoint answers, for the server to write: a status and a JSON body (errors as {@code {"detail": ...}}, as
 * Synap's API gives them), extra headers, a delay before the answer (the emulated latency), or an NDJSON stream.
 */
record Reply(int status, JsonNode body, Map<String, String> headers, long delayMillis, Streamed stream) {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A body written straight to the response (the document export). */
    interface Streamed {
        void writeTo(OutputStream out) throws IOException;
    }

    static ObjectNode obj() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    static Reply json(int status, JsonNode body) {
        return new Reply(status, body, Map.of(), 0, null);
    }

    static Reply ndjson(Streamed stream) {
        return new Reply(200, null, Map.of("Content-Type", "application/x-ndjson"), 0, stream);
    }

    /** A page of HTML (what a proxy in front of an API answers when it is down, with a 200 as often as not). */
    static Reply html(int status, String page) {
        byte[] bytes = page.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Reply(status, null, Map.of("Content-Type", "text/html; charset=utf-8"), 0, out -> out.write(bytes));
    }

    /** {@code {"detail": "..."}}. */
    static Reply error(int status, String detail) {
        return json(status, obj().put("detail", detail));
    }

    /** A 422 as FastAPI gives it: {@code {"detail": [{"type", "msg", "loc": [...]}]}} for one field. */
    static Reply invalid(String loc, String msg) {
        ObjectNode o = obj().put("type", "value_error").put("msg", msg);
        ArrayNode l = o.putArray("loc");
        for (String part : loc.split("\\.")) l.add(part);
        return json(422, obj().set("detail", array().add(o)));
    }

    Reply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, body, h, delayMillis, stream);
    }

    /** The same answer, given after {@code millis}. */
    Reply after(long millis) {
        return new Reply(status, body, headers, millis, stream);
    }

    /** This answer as an exception an endpoint throws to stop where it is. */
    Refusal refusal() {
        return new Refusal(this);
    }

    /** Thrown by an endpoint to answer at once with {@link #reply}: a failed check deep in a call. */
    static final class Refusal extends RuntimeException {
        final Reply reply;

        Refusal(Reply reply) {
            super(null, null, false, false);
            this.reply = reply;
        }
    }

    /** Thrown by an endpoint to have the server close the connection without an answer (an injected fault). */
    static final class DropConnection extends RuntimeException {
        DropConnection() {
            super("injected dropped connection", null, false, false);
        }
    }
}
