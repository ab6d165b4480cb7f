package com.synapbackfill.ledger;

/** A run's credit cap: credits reserved before a call and given back when they were not spent. A part of the {@link Ledger} port. */
public interface CreditLedger {

    /**
     * A run's credit cap (docs/design.md §4): reserves {@code milli} thousandths of a credit for a call about to be made,
     * unless the run's reserved total would then pass {@code capMilli}; false then, and nothing is reserved. Kept on an item
     * of its own, written only by runs that have a cap.
     */
    boolean reserveCredits(String runId, long milli, long capMilli);

    /** Gives back a reservation's part that was not spent (documents Synap did not accept, or a call that failed). */
    void releaseCredits(String runId, long milli);

    /** Sets the reserved total (a resume: what the accepted documents spent; reservations of calls that died are void). */
    void setCreditsReserved(String runId, long milli);

    /** The reserved total in thousandths of a credit (0 when none was reserved). */
    long creditsReserved(String runId);
}
