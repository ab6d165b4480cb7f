package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Set;

/**
 * What Synap's API refuses in a document (docs/synap-api.md §4): a missing or oversized document, an unknown type or
 * mode, metadata that is not an object, a timestamp that is not one, a customer id against the Instance's isolation.
 */
final class DocumentValidator {
    static final Set<String> DOCUMENT_TYPES = Set.of("ai-chat-conversation", "document", "email", "pdf", "image",
            "audio", "meeting-transcript");
    static final Set<String> MODES = Set.of("fast", "long-range");

    private DocumentValidator() {
    }

    /** A document of a batch or a create, checked as Synap checks it; {@link Candidate#error} names what is wrong, if anything. */
    static Candidate validate(JsonNode d, EmulatorSettings.Instance inst, EmulatorSettings s) {
        Candidate c = new Candidate();
        if (!d.isObject()) {
            c.error = "document must be an object";
            return c;
        }
        c.documentId = text(d, "document_id");
        c.userId = text(d, "user_id");
        c.customerId = text(d, "customer_id");
        c.createdAt = text(d, "document_created_at");
        c.documentType = d.hasNonNull("document_type") ? d.get("document_type").asText() : "ai-chat-conversation";
        c.mode = d.hasNonNull("mode") ? d.get("mode").asText() : "long-range";
        c.metadata = d.hasNonNull("metadata") ? d.get("metadata") : JsonNodeFactory.instance.objectNode();
        JsonNode doc = d.get("document");
        if (doc == null || doc.isNull() || (doc.isTextual() && doc.asText().isBlank())) {
            c.error = "document: Field required";
            return c;
        }
        byte[] content = doc.isTextual() ? doc.asText().getBytes(StandardCharsets.UTF_8)
                : doc.toString().getBytes(StandardCharsets.UTF_8);
        c.textBytes = content.length;
        if (content.length > s.maxDocumentBytes()) {
            c.error = "document is " + content.length + " bytes, over the instance limit of " + s.maxDocumentBytes();
            return c;
        }
        c.sha256 = sha256(content);
        if (!DOCUMENT_TYPES.contains(c.documentType)) {
            c.error = "document_type: Input should be one of " + DOCUMENT_TYPES;
        } else if (!MODES.contains(c.mode)) {
            c.error = "mode: Input should be 'fast' or 'long-range'";
        } else if (!c.metadata.isObject()) {
            c.error = "metadata: Input should be a valid dictionary";
        } else if (c.createdAt != null && !validTimestamp(c.createdAt)) {
            c.error = "document_created_at: Input should be a valid datetime";
        } else if (inst.b2b() && c.userId != null && c.customerId == null) {
            c.error = "customer_id is required when user_id is set on a B2B instance";
        } else if (inst.isolation() == EmulatorSettings.Isolation.B2C && c.customerId != null) {
            c.error = "customer_id is not accepted on this instance, which is B2C (user_context_isolation='equals_customer'); "
                    + "send user_id only";
        }
        return c;
    }

    private static boolean validTimestamp(String s) {
        try {
            OffsetDateTime.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            try {
                LocalDateTime.parse(s); // a naive datetime is read as UTC
                return true;
            } catch (DateTimeParseException e2) {
                return false;
            }
        }
    }

    private static String text(JsonNode d, String field) {
        JsonNode n = d.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What validation read of a document, and the first thing wrong with it (null: none). */
    static final class Candidate {
        String documentId, userId, customerId, createdAt, documentType, mode, sha256, error;
        int textBytes;
        JsonNode metadata;

        StoredDocument toStored(String instanceId, String docId, String ingestionId, long now) {
            return new StoredDocument(instanceId, docId, ingestionId, documentType, mode, userId, customerId,
                    createdAt, sha256, textBytes, metadata, 0, now);
        }
    }
}
