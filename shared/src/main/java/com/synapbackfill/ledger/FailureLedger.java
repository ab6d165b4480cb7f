package com.synapbackfill.ledger;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import java.util.List;

/** A run's failures: one item per key, recorded, listed and resolved once. A part of the {@link Ledger} port. */
public interface FailureLedger {

    /** One item per key; a repeat raises its attempts and last-seen time and clears {@code resolved}. */
    void recordFailures(List<FailureRecord> failures);

    /**
     * Marks one failure resolved (a later retry reached Synap) and, in the same atomic write, moves the run's
     * counters by {@code delta} (typically failed −1, accepted or alreadyPresent +1, plus the retry's calls).
     * Returns false, changing nothing, when the failure is absent or already resolved, so a repeated retry
     * never counts a row twice.
     */
    boolean resolveFailure(String runId, String key, Counters delta);

    /** Failures, a page at a time in key order; {@code afterKey} is the last key seen or null. */
    List<FailureRecord> failures(String runId, String afterKey, int limit);
}
