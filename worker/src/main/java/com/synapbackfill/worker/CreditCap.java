package com.synapbackfill.worker;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.ledger.CreditLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunState;

/**
 * A run's credit cap ({@code maxCredits}) as a worker keeps it: a call's price reserved before the call, what Synap did
 * not accept given back after it, all of it given back when the call never happened. Runs without a cap pass through.
 */
final class CreditCap {
    private final CreditLedger ledger;

    CreditCap(CreditLedger ledger) {
        this.ledger = ledger;
    }

    /** One document's price under the run's cap, in thousandths of a credit. */
    private static long perDocumentMilli(RunState run) {
        return Math.round(run.config().capCreditsPerDocument() * 1000);
    }

    /**
     * A run with a credit cap ({@code maxCredits}) reserves a call's price before the call; a call the cap cannot cover
     * stops the run BLOCKED at the cap (never past it), until a resume with a higher cap. 0 when the run has no cap.
     */
    long reserve(RunState run, int documents) {
        Long cap = run.config().maxCredits();
        if (cap == null || documents == 0) return 0;
        long milli = documents * perDocumentMilli(run);
        if (milli == 0) return 0;
        if (ledger.reserveCredits(run.runId(), milli, cap * 1000)) return milli;
        throw new BlockedException(BlockedException.Reason.CREDIT_CAP, "the run's credit cap is reached: it may spend at most "
                + com.synapbackfill.synap.Credits.format(cap) + " credits (--max-credits) and "
                + com.synapbackfill.synap.Credits.format(ledger.creditsReserved(run.runId()) / 1000.0)
                + " are spent or held by calls in flight, so the next call of " + documents + " documents (~"
                + com.synapbackfill.synap.Credits.format(milli / 1000.0) + " credits) was not made; resume it with a higher "
                + "cap (backfill resume " + run.runId() + " --max-credits N): it continues from its checkpoints", 0);
    }

    /** What Synap did not accept was not spent: the reservation gives it back. */
    void giveBackUnspent(RunState run, long reserved, Counters delta) {
        if (reserved > 0) ledger.releaseCredits(run.runId(), reserved - Math.min(reserved, delta.accepted() * perDocumentMilli(run)));
    }

    /** The call never happened (it threw): the whole reservation goes back. */
    void release(RunState run, long reserved) {
        if (reserved > 0) ledger.releaseCredits(run.runId(), reserved);
    }
}
