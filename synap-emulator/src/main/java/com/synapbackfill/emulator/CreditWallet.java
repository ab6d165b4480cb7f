package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;

/**
 * The client's credit wallet as Synap's credit gate keeps it (SDK 0.6.9 {@code credits.py}, {@code InsufficientCreditsError}):
 * a balance that accepted documents consume, the balance and estimate answers, and the 402 a call the balance cannot cover
 * gets when overages are off. Thread-safe; amounts are exact decimals, so a price of 0.0001 credits a document is charged and
 * estimated as it is (thousandths of a credit rounded it to nothing).
 */
final class CreditWallet {
    static final String BILLING_URL = "https://synap.maximem.ai/billing";
    static final String REDEEM_URL = "https://synap.maximem.ai/redeem";

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final BigDecimal initial;
    private final BigDecimal perDocument;
    private final boolean overages;
    private BigDecimal balance;
    private BigDecimal spent = BigDecimal.ZERO;

    CreditWallet(EmulatorSettings.Credits credits) {
        this.initial = exact(credits.balance());
        this.perDocument = exact(credits.perDocument());
        this.overages = credits.overages();
        this.balance = initial;
    }

    /** The decimal a setting was written as (0.0001, not the binary fraction nearest to it). */
    private static BigDecimal exact(double credits) {
        return BigDecimal.valueOf(credits);
    }

    synchronized double balance() {
        return balance.doubleValue();
    }

    /** Credits consumed by accepted documents since the emulator started. */
    synchronized double spent() {
        return spent.doubleValue();
    }

    /** Sets the balance (a top-up, or a redeemed code). */
    synchronized void setBalance(double credits) {
        balance = exact(credits);
    }

    /**
     * Whether a call that would accept {@code documents} documents may go on: always with overages; without, only when the
     * balance covers them (Synap checks the call's minimum charge before it ingests anything).
     */
    synchronized boolean covers(int documents) {
        return overages || documents == 0 || balance.compareTo(cost(documents)) >= 0;
    }

    private BigDecimal cost(long documents) {
        return perDocument.multiply(BigDecimal.valueOf(documents));
    }

    /** Charges {@code documents} accepted documents. */
    synchronized void charge(int documents) {
        BigDecimal cost = cost(documents);
        balance = balance.subtract(cost);
        spent = spent.add(cost);
    }

    /** {@code GET /v1/credits/balance}: {@code {client_id, balance_credits, warning_low, buckets}}. */
    synchronized ObjectNode balanceBody(String clientId) {
        ObjectNode o = nodes.objectNode().put("client_id", clientId).put("balance_credits", balance.doubleValue())
                .put("warning_low", balance.multiply(BigDecimal.TEN).compareTo(initial) < 0);
        ObjectNode bucket = o.putArray("buckets").addObject().put("source_type", "subscription").put("balance", balance.doubleValue());
        bucket.putNull("expires_at");
        return o;
    }

    /**
     * {@code POST /v1/credits/estimate}: {@code {credits_estimate}} for the body's {@code item_count} documents (its
     * {@code units} when no count is given), or null when the body names neither.
     */
    ObjectNode estimateBody(JsonNode body) {
        JsonNode n = body.hasNonNull("item_count") ? body.get("item_count") : body.get("units");
        if (n == null || !n.isNumber() || n.asDouble() < 0) return null;
        // Synap answers a float: the exact product, as the nearest double
        return nodes.objectNode().put("credits_estimate", new BigDecimal(n.asText()).multiply(perDocument).doubleValue());
    }

    /** The credit gate's 402 body (FastAPI: the fields under {@code detail}). */
    synchronized ObjectNode insufficientBody(int documents) {
        ObjectNode detail = nodes.objectNode().put("error", "insufficient_credits").put("reason", "overages_disabled")
                .put("message", "Insufficient credits: the balance cannot cover this request and overages are not allowed")
                .put("balance_credits", balance.doubleValue()).put("minimum_required_credits", cost(documents).doubleValue())
                .put("recovery_url", "/v1/credits/balance").put("redeem_url", REDEEM_URL).put("manage_url", BILLING_URL);
        return nodes.objectNode().set("detail", detail);
    }
}
