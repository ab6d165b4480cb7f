package com.synapbackfill.emulator;

/**
 * What becomes of a queued document: completed, partial_success or failed at the settings' shares, the memories it
 * makes and how long extraction takes, decided by the seed and the document id (SplitMix64), never by chance at read.
 */
final class ExtractionModel {
    private ExtractionModel() {
    }

    /** A document's extraction: terminal status, memories made, error, and its delay. */
    record Outcome(String status, int memories, String error, long delayMillis) {
    }

    /** A document's extraction under {@code s}: a function of the seed and the id only, so a test can know it. */
    static Outcome outcome(String documentId, EmulatorSettings s) {
        EmulatorSettings.Extraction e = s.extraction();
        long h = mix(s.seed() ^ mix(documentId.hashCode() * 0x9E3779B97F4A7C15L + documentId.length()));
        double u = (h >>> 11) * 0x1.0p-53;
        double v = (mix(h) >>> 11) * 0x1.0p-53;
        long delay = Math.round(e.processingDelay().toMillis() * (0.5 + v));
        if (u < e.failedShare())
            return new Outcome("failed", 0, "extraction failed: the model could not parse the document (emulated)", delay);
        if (u < e.failedShare() + e.partialShare())
            return new Outcome("partial_success", 1, "extraction partly failed: 1 of 3 passes timed out (emulated)", delay);
        return new Outcome("completed", 1 + (int) ((h >>> 3) % 3), null, delay);
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
