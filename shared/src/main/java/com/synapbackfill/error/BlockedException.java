package com.synapbackfill.error;

/** The run must stop until an operator acts: the key was refused (401/403) or credits ran out (402). */
public final class BlockedException extends BackfillException {
    /** Why the run is blocked. */
    public enum Reason { AUTH, FORBIDDEN, CREDITS }

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
