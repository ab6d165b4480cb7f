package com.synapbackfill.ledger;

import java.math.BigDecimal;

/**
 * A run's credit cap: what is reserved before a call and given back when it was not spent. A part of the {@link Ledger}
 * port. Amounts are exact decimals in the cap's unit — credits at Synap's price, or documents when Synap gave no price
 * ({@link com.synapbackfill.model.CreditPrice}) — so a price of 0.0001 credits a document never rounds to nothing.
 */
public interface CreditLedger {

    /**
     * A run's credit cap (docs/design.md §4): reserves {@code amount} for a call about to be made, unless the run's reserved
     * total would then pass {@code cap}; false then, and nothing is reserved. Kept on an item of its own, written only by
     * runs that have a cap.
     */
    boolean reserveCredits(String runId, BigDecimal amount, BigDecimal cap);

    /** Gives back a reservation's part that was not spent (documents Synap did not accept, or a call that failed). */
    void releaseCredits(String runId, BigDecimal amount);

    /** Sets the reserved total (a resume: what the accepted documents spent; reservations of calls that died are void). */
    void setCreditsReserved(String runId, BigDecimal amount);

    /** The reserved total (0 when none was reserved). */
    BigDecimal creditsReserved(String runId);
}
