package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.emulator.StoredDocument;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What Synap (the emulator) stored, held against what should have arrived: the one way the run tests say "each row
 * once, and nothing else" before they check each document's text, time and user.
 */
public final class Arrivals {
    private Arrivals() {
    }

    /**
     * The stored documents by their source row id, once it is asserted that every expected row arrived exactly once
     * (a row stored twice fails here) and no other did.
     */
    public static Map<String, StoredDocument> exactlyOnce(Collection<StoredDocument> stored, Collection<String> expectedRows) {
        List<StoredDocument> docs = List.copyOf(stored);
        Map<String, StoredDocument> bySource = docs.stream().collect(Collectors.toMap(d -> d.metadata().get("source_row_id").asText(), d -> d));
        assertThat(docs).as("once").hasSize(expectedRows.size());
        assertThat(bySource.keySet()).containsExactlyInAnyOrderElementsOf(expectedRows);
        return bySource;
    }

    /** The hex SHA-256 of a text's UTF-8 bytes: what the emulator keeps of a document's text. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
