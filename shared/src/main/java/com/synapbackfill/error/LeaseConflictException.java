package com.synapbackfill.error;

/** A conditional write lost: another worker holds the shard's lease, or its checkpoint moved. Stop working on it. */
public final class LeaseConflictException extends BackfillException {
    public LeaseConflictException(String message, Throwable cause) {
        super(message, 0, cause);
    }

    @Override
    public String errorClass() {
        return "lease_conflict";
    }
}
