package com.synapbackfill.planner;

import com.synapbackfill.model.CreditPrice;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.synap.Credits;
import com.synapbackfill.synap.SynapApi;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What a run asks Synap before it sends anything: the Instance's isolation mode, checked against the source's customer
 * mapping, and the credits the run would cost against the balance. Used by the planner's start (every form: local,
 * deployed, state machine) and by {@code estimate}, so the credits line reads the same everywhere.
 */
public final class RunPreflight {
    /** The planner's port: the config a run starts with, or an {@link IllegalArgumentException} naming the field. */
    public interface Port {
        Outcome check(RunConfig config, long documents, boolean customerMapped);

        /** No Synap to ask (tests of the planner alone): the config as given, nothing said. */
        Port NONE = (config, documents, customerMapped) -> new Outcome(config, List.of());
    }

    /** The config to start with (customer policy, the price of a document) and what the run's first lines say. */
    public record Outcome(RunConfig config, List<String> notes) {
    }

    private final SynapApi synap;

    public RunPreflight(SynapApi synap) {
        this.synap = synap;
    }

    /**
     * Isolation, then credits. Refuses (exit 2 in the CLI; a failed start elsewhere) a B2B Instance without a customer
     * mapping, a B2C Instance with customer ids required, and a run whose estimate is over the balance without
     * {@code allowOverage}.
     */
    public Outcome check(RunConfig config, long documents, boolean customerMapped) {
        List<String> notes = new ArrayList<>();
        RunConfig scoped = scope(synap.whoami().isolation(), config, customerMapped, notes);
        Quote quote = quote(documents, config.mode());
        notes.add(quote.line(config.maxCredits()));
        String refusal = quote.refusal(config);
        if (refusal != null) throw new IllegalArgumentException(refusal);
        return new Outcome(scoped.toBuilder().creditsPerDocument(quote.perDocument()).build(), List.copyOf(notes));
    }

    /**
     * The Instance's mode against the mapping (SDK 0.6.9 {@code scoping.py}; the Synap skill's core concepts): B2C takes
     * user_id alone and refuses a customer_id with a 400, so a mapped customer column is not sent (memories land where the
     * app reads them, by user_id); B2B needs customer_id beside user_id, so a missing mapping is refused and rows without
     * one are failures. An Instance that does not say (an older Synap) gets the ids as mapped.
     */
    static RunConfig scope(String isolation, RunConfig config, boolean customerMapped, List<String> notes) {
        if (SynapApi.B2B.equals(isolation)) {
            if (!customerMapped)
                throw new IllegalArgumentException("customerId: the Synap Instance is B2B (user_context_isolation \"strict\"): a memory "
                        + "with a user_id needs a customer_id, and the source maps no customer column; map one (--column "
                        + "customerId=COLUMN, or columns.customerId in a start event)");
            notes.add("Synap Instance is B2B (user_context_isolation strict): customer_id is sent with user_id; a row without one "
                    + "is a failure (missing_customer_id)");
            return config.toBuilder().requireCustomerId(true).build();
        }
        if (SynapApi.B2C.equals(isolation)) {
            if (config.requireCustomerId())
                throw new IllegalArgumentException("requireCustomerId: the Synap Instance is B2C (user_context_isolation "
                        + "\"equals_customer\"), where a customer_id is refused and never sent; drop REQUIRE_CUSTOMER_ID");
            if (!customerMapped) {
                notes.add("Synap Instance is B2C (user_context_isolation equals_customer): memories are filed under user_id");
                return config;
            }
            notes.add("Synap Instance is B2C (user_context_isolation equals_customer): the customer column is read but customer_id "
                    + "is not sent; Synap refuses one there (400), and the app reads a B2C user's memories by user_id alone "
                    + "(SDK 0.6.9 scoping.py), so they are filed under user_id");
            return config.toBuilder().omitCustomerId(true).build();
        }
        notes.add("Synap does not report the Instance's isolation (whoami has no user_context_isolation): ids are sent as mapped");
        return config;
    }

    /** Synap's price of {@code documents} documents in {@code mode}, and the balance; either may be unknown. */
    public Quote quote(long documents, String mode) {
        OptionalDouble price = documents <= 0 ? OptionalDouble.of(0) : synap.estimateCredits(documents, mode);
        var balance = synap.balance();
        return new Quote(documents, mode, price.isPresent() ? price.getAsDouble() : null,
                balance.map(SynapApi.CreditBalance::balanceCredits).orElse(null));
    }

    /**
     * A run's cost and the wallet.
     *
     * @param documents documents the run is expected to send
     * @param credits   Synap's estimate for them (null: Synap did not price them)
     * @param balance   the balance (null: Synap reports none)
     */
    public record Quote(long documents, String mode, Double credits, Double balance) {
        /**
         * One document's price, exact, as the run's cap counts it; {@link CreditPrice#BY_DOCUMENTS} when Synap gave none, or
         * one that is not positive (a cap then counts documents, and the run says so).
         */
        public CreditPrice price() {
            return CreditPrice.fromEstimate(credits, documents);
        }

        /** One document's price for the run's config (null when there is no usable one). */
        public Double perDocument() {
            return price().asDouble();
        }

        /** What the run may spend: its estimate, or the cap when that is lower. */
        double planned(Long maxCredits) {
            double c = credits == null ? documents : credits;
            return maxCredits == null ? c : Math.min(c, maxCredits);
        }

        /** The credits line: the same words in estimate, run and start. */
        public String line(Long maxCredits) {
            StringBuilder m = new StringBuilder("Credits: ~").append(String.format(java.util.Locale.ROOT, "%,d", documents)).append(" documents");
            if (credits == null) m.append(", not priced (Synap answered no estimate)");
            else if (credits <= 0) m.append(", priced at ").append(Credits.format(credits)).append(" credits (Synap's estimate for batch_create, ")
                    .append(mode).append(")");
            else m.append(" ≈ ").append(Credits.format(Math.ceil(credits))).append(" credits (Synap's estimate for batch_create, ")
                    .append(mode).append(")");
            CreditPrice price = price();
            if (maxCredits != null && price.byDocuments()) m.append("; ").append(price.describeCap(maxCredits));
            else if (maxCredits != null)
                m.append(", capped at ").append(Credits.format(maxCredits)).append(" by --max-credits (")
                        .append(String.format(java.util.Locale.ROOT, "%,d", price.documentsUnder(maxCredits))).append(" documents at ")
                        .append(price.perDocument().toPlainString()).append(" credits each)");
            if (balance == null) return m.append("; balance unknown (Synap reports none)").toString();
            m.append("; balance ").append(Credits.format(Math.floor(balance)));
            // with no price, what the run spends is unknown: no figure is made up
            if (credits == null) return m.toString();
            double left = balance - planned(maxCredits);
            if (left >= 0) m.append(": it leaves ~").append(Credits.format(Math.floor(left)));
            else m.append(": it overruns the balance by ~").append(Credits.format(Math.ceil(-left)));
            return m.toString();
        }

        /** Why the run may not start (over the balance without allowOverage), or null. */
        String refusal(RunConfig config) {
            if (balance == null || credits == null || config.allowOverage()) return null;
            double planned = planned(config.maxCredits());
            if (planned <= balance) return null;
            return "credits: the run would spend ~" + Credits.format(Math.ceil(planned)) + " credits (~"
                    + String.format(java.util.Locale.ROOT, "%,d", documents) + " documents, Synap's estimate for batch_create, " + mode
                    + (config.maxCredits() != null ? ", capped by --max-credits" : "") + ") and the balance is "
                    + Credits.format(Math.floor(balance)) + "; nothing was sent. Add credits, or start it with --allow-overage "
                    + "(allowOverage in a start event; a paid plan bills past the balance as overage), or cap it with --max-credits N "
                    + "(maxCredits; N up to " + Credits.format(Math.max(0, Math.floor(balance))) + " fits the balance)";
        }
    }
}
