package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client's credit wallet as Synap's credit gate keeps it (SDK 0.6.9 {@code credits.py}, {@code InsufficientCreditsError}):
 * a balance that accepted documents consume, the balance and estimate answers, and the 402 a call the balance cannot cover
 * gets when overages are off. Thread-safe; amounts are kept in thousandths of a credit so that sums are exact.
 */
final class CreditWallet {
    static final String BILLING_URL = "https://synap.maximem.ai/billing";
    static final String REDEEM_URL = "https://synap.maximem.ai/redeem";

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final long initialMilli;
    private final long perDocumentMilli;
    private final boolean overages;
    private long balanceMilli;
    private long spentMilli;

    CreditWallet(EmulatorSettings.Credits credits) {
        this.initialMilli = milli(credits.balance());
        this.perDocumentMilli = milli(credits.perDocument());
        this.overages = credits.overages();
        this.balanceMilli = initialMilli;
    }

    private static long milli(double credits) {
        return Math.round(credits * 1000);
    }

    private static double credits(long milli) {
        return milli / 1000.0;
    }

    synchronized double balance() {
        return credits(balanceMilli);
    }

    /** Credits consumed by accepted documents since the emulator started. */
    synchronized double spent() {
        return credits(spentMilli);
    }

    /** Sets the balance (a top-up, or a redeemed code). */
    synchronized void setBalance(double credits) {
        balanceMilli = milli(credits);
    }

    /**
     * Whether a call that would accept {@code documents} documents may go on: always with overages; without, only when the
     * balance covers them (Synap checks the call's minimum charge before it ingests anything).
     */
    synchronized boolean covers(int documents) {
        return overages || documents == 0 || balanceMilli >= documents * perDocumentMilli;
    }

    /** Charges {@code documents} accepted documents. */
    synchronized void charge(int documents) {
        long cost = documents * perDocumentMilli;
        balanceMilli -= cost;
        spentMilli += cost;
    }

    /** {@code GET /v1/credits/balance}: {@code {client_id, balance_credits, warning_low, buckets}}. */
    synchronized ObjectNode balanceBody(String clientId) {
        ObjectNode o = nodes.objectNode().put("client_id", clientId).put("balance_credits", credits(balanceMilli))
                .put("warning_low", balanceMilli < initialMilli / 10);
        ObjectNode bucket = o.putArray("buckets").addObject().put("source_type", "subscription").put("balance", credits(balanceMilli));
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
        return nodes.objectNode().put("credits_estimate", n.asDouble() * credits(perDocumentMilli));
    }

    /** The credit gate's 402 body (FastAPI: the fields under {@code detail}). */
    synchronized ObjectNode insufficientBody(int documents) {
        ObjectNode detail = nodes.objectNode().put("error", "insufficient_credits").put("reason", "overages_disabled")
                .put("message", "Insufficient credits: the balance cannot cover this request and overages are not allowed")
                .put("balance_credits", credits(balanceMilli)).put("minimum_required_credits", credits(documents * perDocumentMilli))
                .put("recovery_url", "/v1/credits/balance").put("redeem_url", REDEEM_URL).put("manage_url", BILLING_URL);
        return nodes.objectNode().set("detail", detail);
    }
}
