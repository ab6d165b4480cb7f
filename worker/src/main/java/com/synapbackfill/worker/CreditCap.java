package com.synapbackfill.worker;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.ledger.CreditLedger;
import com.synapbackfill.model.CreditPrice;
import com.synapbackfill.model.RunState;
import java.math.BigDecimal;
import java.util.function.UnaryOperator;

/**
 * A run's credit cap ({@code maxCredits}) as a sender keeps it: a call's price reserved before the call, what Synap did not
 * accept given back after it, all of it given back when the call never happened. Runs without a cap pass through. Every
 * path that sends a run's documents goes through one (the shard worker, {@code retry-failures}, its {@code --extraction}
 * resend), so the run's cap holds whichever command sends.
 *
 * <p>Amounts are exact ({@link CreditPrice}): documents × Synap's price, or the documents themselves when Synap gave no usable
 * price. A price that used to round to nothing in thousandths of a credit no longer lifts the cap.
 */
final class CreditCap {
    private final CreditLedger ledger;
    private final UnaryOperator<String> whatNext;

    /** @param whatNext the end of the stop's message for a run id: how this command continues with a higher cap */
    CreditCap(CreditLedger ledger, UnaryOperator<String> whatNext) {
        this.ledger = ledger;
        this.whatNext = whatNext;
    }

    /** The shard worker's: the run continues with {@code backfill resume RUN --max-credits N}. */
    static CreditCap forRuns(CreditLedger ledger) {
        return new CreditCap(ledger, runId -> "resume it with a higher cap (backfill resume " + runId
                + " --max-credits N): it continues from its checkpoints");
    }

    /** What one call holds under the cap: its documents and their amount at the run's price. */
    record Held(CreditPrice price, int documents, BigDecimal amount) {
        static final Held NONE = new Held(CreditPrice.BY_DOCUMENTS, 0, BigDecimal.ZERO);
    }

    /**
     * A run with a credit cap ({@code maxCredits}) reserves a call's price before the call; a call the cap cannot cover
     * stops the run BLOCKED at the cap (never past it), until a higher cap. {@link Held#NONE} when the run has no cap.
     */
    Held reserve(RunState run, int documents) {
        Long cap = run.config().maxCredits();
        if (cap == null || documents == 0) return Held.NONE;
        CreditPrice price = run.config().creditPrice();
        BigDecimal amount = price.of(documents);
        if (ledger.reserveCredits(run.runId(), amount, BigDecimal.valueOf(cap))) return new Held(price, documents, amount);
        throw new BlockedException(BlockedException.Reason.CREDIT_CAP, "the run's credit cap is reached: " + price.describeCap(cap)
                + ", with " + price.describe(ledger.creditsReserved(run.runId())) + (price.byDocuments() ? " sent" : " spent")
                + " or held by calls in flight, so the next call of "
                + documents + " documents" + (price.byDocuments() ? "" : " (" + price.describe(amount) + ")") + " was not made; "
                + whatNext.apply(run.runId()), 0);
    }

    /** What Synap did not accept was not spent: the reservation gives it back. */
    void giveBackUnspent(RunState run, Held held, long accepted) {
        long unspent = held.documents() - Math.min(held.documents(), Math.max(0, accepted));
        if (unspent > 0) ledger.releaseCredits(run.runId(), unspent == held.documents() ? held.amount() : held.price().of(unspent));
    }

    /** The call never happened (it threw): the whole reservation goes back. */
    void release(RunState run, Held held) {
        if (held.documents() > 0) ledger.releaseCredits(run.runId(), held.amount());
    }
}
