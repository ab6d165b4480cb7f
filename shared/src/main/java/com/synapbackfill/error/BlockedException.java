package com.synapbackfill.error;

/**
 * The run must stop until an operator acts: the key was refused (401/403), credits ran out (402, or a credit-class 429), or
 * the run reached the credit cap it was given ({@code maxCredits}).
 */
public final class BlockedException extends BackfillException {
    /** Why the run is blocked. */
    public enum Reason { AUTH, FORBIDDEN, CREDITS, CREDIT_CAP }

    private final Reason reason;

    public BlockedException(Reason reason, String message, int httpStatus) {
        super(message, httpStatus, null);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String errorClass() {
        return "blocked_" + reason.name().toLowerCase();
    }
}
