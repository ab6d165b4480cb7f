package com.synapbackfill.model;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * What a run's credit cap ({@code maxCredits}) counts, exactly: Synap's price of one document as a decimal, so that
 * documents × price never rounds (a price of 0.0001 credits under a cap of 50 allows 500,000 documents, not none and not
 * all); or, when Synap gave no usable price (none, zero, negative), documents themselves: the cap is then a number of
 * documents, and says so, rather than a guess of one credit each passed off as credits.
 *
 * @param perDocument credits one document costs, positive, at most 12 decimals; null: the cap counts documents
 */
public record CreditPrice(BigDecimal perDocument) {
    /** No usable price: the cap is a document count. */
    public static final CreditPrice BY_DOCUMENTS = new CreditPrice(null);

    /**
     * The finest price kept: a price below it counts as it (the cap can then only be reached early, never passed). Also
     * keeps a reservation's digits within what a DynamoDB number holds (38) for any cap a {@code long} can name.
     */
    static final int SCALE = 12;
    /**
     * Synap answers its estimate as a binary float (30,000 × 0.0001 is 3.0000000000000004 there): twelve significant
     * digits keep every price a plan can have and drop that noise, so the price is the decimal Synap meant.
     */
    private static final MathContext SIGNIFICANT = new MathContext(12, RoundingMode.HALF_EVEN);

    public CreditPrice {
        if (perDocument != null) {
            if (perDocument.signum() <= 0) throw new IllegalArgumentException("perDocument: must be > 0, was " + perDocument.toPlainString());
            perDocument = perDocument.setScale(SCALE, RoundingMode.CEILING).stripTrailingZeros();
        }
    }

    /** The price a run recorded ({@code creditsPerDocument} in its config): null, zero, negative or not a number is none. */
    public static CreditPrice of(Double creditsPerDocument) {
        if (creditsPerDocument == null || creditsPerDocument.isNaN() || creditsPerDocument.isInfinite() || creditsPerDocument <= 0)
            return BY_DOCUMENTS;
        // the shortest decimal that is this double: the price as it was written (0.0001, not 0.000100000000000000004792...)
        return new CreditPrice(BigDecimal.valueOf(creditsPerDocument));
    }

    /** One document's price from Synap's estimate of {@code credits} for {@code documents} documents; none when not positive. */
    public static CreditPrice fromEstimate(Double credits, long documents) {
        if (credits == null || credits.isNaN() || credits.isInfinite() || credits <= 0 || documents <= 0) return BY_DOCUMENTS;
        BigDecimal each = BigDecimal.valueOf(credits).divide(BigDecimal.valueOf(documents), SIGNIFICANT);
        return each.signum() > 0 ? new CreditPrice(each) : BY_DOCUMENTS;
    }

    /** Whether the cap counts documents (Synap gave no usable price). */
    public boolean byDocuments() {
        return perDocument == null;
    }

    /** What {@code documents} documents count against the cap: their credits, exact, or their number. */
    public BigDecimal of(long documents) {
        return byDocuments() ? BigDecimal.valueOf(documents) : perDocument.multiply(BigDecimal.valueOf(documents));
    }

    /** The most documents a cap of {@code maxCredits} lets through. */
    public long documentsUnder(long maxCredits) {
        if (byDocuments()) return maxCredits;
        return BigDecimal.valueOf(maxCredits).divide(perDocument, 0, RoundingMode.FLOOR).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    /** The price for a run's config snapshot (exact: at most 12 decimals and 12 significant digits survive a double), or null. */
    public Double asDouble() {
        return byDocuments() ? null : perDocument.doubleValue();
    }

    /**
     * What a cap of {@code maxCredits} means, in the words the run's first lines, its status and its stop use:
     * {@code Synap gave no price for these documents: --max-credits 50 caps the run at 50 documents}, or
     * {@code --max-credits 50 allows 500,000 documents at Synap's 0.0001 credits a document}.
     */
    public String describeCap(long maxCredits) {
        if (byDocuments())
            return "Synap gave no price for these documents: --max-credits " + count(maxCredits) + " caps the run at "
                    + count(maxCredits) + " documents";
        return "--max-credits " + count(maxCredits) + " allows " + count(documentsUnder(maxCredits)) + " documents at Synap's "
                + perDocument.toPlainString() + (perDocument.compareTo(BigDecimal.ONE) == 0 ? " credit" : " credits") + " a document";
    }

    /** An amount in the cap's unit, for a message: {@code 49.9987 credits} or {@code 50 documents}. */
    public String describe(BigDecimal amount) {
        String n = amount.stripTrailingZeros().scale() <= 0 ? count(amount.longValue()) : amount.stripTrailingZeros().toPlainString();
        boolean one = amount.compareTo(BigDecimal.ONE) == 0;
        return n + (byDocuments() ? one ? " document" : " documents" : one ? " credit" : " credits");
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
