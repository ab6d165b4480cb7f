package com.synapbackfill.emulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every document the emulator accepted, by Instance and document id and by ingestion id, and the duplicate policy that
 * decides what a known document id gets ({@code --duplicates item-failure / conflict / upsert}).
 *
 * <p>A caller that checks and then admits (a batch: conflicts first, then each document) holds this store's monitor
 * across both, so that "accepted once" stays exact under concurrent duplicates.
 */
final class DocumentStore {
    private final EmulatorStats stats;
    private final Map<String, StoredDocument> documents = new ConcurrentHashMap<>(); // instanceId + '\u0000' + documentId
    private final Map<String, StoredDocument> byIngestionId = new ConcurrentHashMap<>();

    DocumentStore(EmulatorStats stats) {
        this.stats = stats;
    }

    /** What became of one valid document: stored for the first time, an update of a stored one, or refused. */
    enum Admission { NEW, UPDATED, DUPLICATE }

    /**
     * The duplicate policy, for the batch and the single create alike: a known document id is refused, or under UPSERT
     * updates the stored document (and gets its own ingestion id and status); a new one is stored.
     */
    synchronized Admission admit(StoredDocument doc, EmulatorSettings.DuplicatePolicy policy) {
        String k = key(doc.instanceId(), doc.documentId());
        StoredDocument existing = documents.get(k);
        if (existing != null && policy != EmulatorSettings.DuplicatePolicy.UPSERT) {
            stats.duplicates.increment();
            return Admission.DUPLICATE;
        }
        byIngestionId.put(doc.ingestionId(), doc);
        if (existing != null) {
            documents.put(k, existing.withUpdate(doc));
            stats.updates.increment();
            return Admission.UPDATED;
        }
        documents.put(k, doc);
        stats.accepted.increment();
        return Admission.NEW;
    }

    /**
     * Under {@code --duplicates conflict}: the valid documents' ids the Instance already holds or the batch repeats,
     * in the batch's order (a non-empty list refuses the whole batch with a 409).
     */
    synchronized List<String> conflicts(String instanceId, List<DocumentValidator.Candidate> candidates) {
        List<String> conflicts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (DocumentValidator.Candidate c : candidates) {
            if (c.error == null && c.documentId != null
                    && (documents.containsKey(key(instanceId, c.documentId)) || !seen.add(c.documentId))) {
                conflicts.add(c.documentId);
            }
        }
        return conflicts;
    }

    Optional<StoredDocument> ingestion(String ingestionId) {
        return Optional.ofNullable(byIngestionId.get(ingestionId));
    }

    Collection<StoredDocument> documents() {
        return List.copyOf(documents.values());
    }

    void clear() {
        documents.clear();
        byIngestionId.clear();
    }

    /** Every stored document as one JSON object a line. */
    void exportTo(OutputStream out, ObjectMapper mapper) throws IOException {
        try (JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
            gen.setRootValueSeparator(new SerializedString("\n"));
            for (StoredDocument d : documents.values()) mapper.writeValue(gen, d);
            gen.writeRaw('\n');
        }
    }

    private static String key(String instanceId, String documentId) {
        return instanceId + '\u0000' + documentId;
    }
}
