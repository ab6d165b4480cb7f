package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the emulator keeps of an accepted document: enough for a test to prove every row arrived once and
 * arrived faithfully, without holding the text itself (a SHA-256 of it stands in).
 *
 * @param instanceId  the Instance the key resolved to
 * @param documentId  caller-supplied id, or the one the emulator assigned
 * @param ingestionId UUID answered for it
 * @param documentType document_type as sent
 * @param mode        mode as sent
 * @param userId      user_id as sent (may be null)
 * @param customerId  customer_id as sent (may be null)
 * @param createdAt   document_created_at as sent (may be null)
 * @param sha256      hex SHA-256 of the document text (UTF-8), or of the JSON when it was an object
 * @param textBytes   UTF-8 length of the document text
 * @param metadata    metadata object as sent
 * @param updates     how many later submissions updated it (duplicate policy UPSERT)
 * @param queuedAtEpochMillis when it was accepted
 */
public record StoredDocument(String instanceId, String documentId, String ingestionId, String documentType,
                             String mode, String userId, String customerId, String createdAt, String sha256,
                             int textBytes, JsonNode metadata, int updates, long queuedAtEpochMillis) {

    StoredDocument withUpdate(StoredDocument newer) {
        return new StoredDocument(instanceId, documentId, ingestionId, newer.documentType, newer.mode, newer.userId,
                newer.customerId, newer.createdAt, newer.sha256, newer.textBytes, newer.metadata, updates + 1,
                queuedAtEpochMillis);
    }
}
