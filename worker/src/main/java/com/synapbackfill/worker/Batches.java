package com.synapbackfill.worker;

import com.synapbackfill.source.DocumentMapper.Mapped;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a page of mapped rows into steps: each step is one batch_create call (≤ batchSize documents and
 * ≤ maxBatchBytes of JSON) plus the rejected rows among them, and ends at a row id the checkpoint can move
 * to once the step is recorded. Row order is kept, so "checkpoint = step's last id" means every row up to
 * it is handled.
 */
public final class Batches {
    /** Envelope of the batch body around the documents, {"documents":[],"fail_fast":false}, rounded up. */
    static final int ENVELOPE_BYTES = 40;

    private Batches() {
    }

    /**
     * @param documents rows that became documents, in row order
     * @param rejected  rows that could not, in row order
     * @param skipped   rows the run's filter or cutover left out
     * @param lastId    position of the last row this step covers (the checkpoint after it)
     * @param messages  source messages behind the step's rows (message shape; 0 for the turn shape)
     */
    public record Step(List<Mapped> documents, List<Mapped> rejected, int skipped, String lastId, long messages) {
        public int rows() {
            return documents.size() + rejected.size() + skipped;
        }
    }

    /** JSON bytes of a step's documents as they would be sent. */
    public static long bytes(Step step) {
        long b = ENVELOPE_BYTES;
        for (Mapped m : step.documents()) b += m.json().length + 1;
        return b;
    }

    public static List<Step> steps(List<Mapped> page, int batchSize, int maxBatchBytes) {
        List<Step> steps = new ArrayList<>();
        List<Mapped> docs = new ArrayList<>();
        List<Mapped> bad = new ArrayList<>();
        int skipped = 0;
        long messages = 0;
        long bytes = ENVELOPE_BYTES;
        String lastId = null;
        for (Mapped m : page) {
            if (m.ok()) {
                int size = m.json().length + 1;
                if (!docs.isEmpty() && (docs.size() >= batchSize || bytes + size > maxBatchBytes)) {
                    steps.add(new Step(List.copyOf(docs), List.copyOf(bad), skipped, lastId, messages));
                    docs.clear();
                    bad.clear();
                    skipped = 0;
                    messages = 0;
                    bytes = ENVELOPE_BYTES;
                }
                docs.add(m);
                bytes += size;
            } else if (m.skipped()) {
                skipped++;
            } else {
                bad.add(m);
            }
            lastId = m.turn().position();
            messages += m.turn().messages();
        }
        if (!docs.isEmpty() || !bad.isEmpty() || skipped > 0) steps.add(new Step(List.copyOf(docs), List.copyOf(bad), skipped, lastId, messages));
        return steps;
    }
}
