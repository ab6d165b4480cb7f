package com.synapbackfill.model;

/** Lifecycle of a run in the ledger (docs/design.md §4). */
public enum RunStatus {
    PLANNING, RUNNING, PAUSED,
    /** stopped by Synap: the key was refused (401/403) or credits ran out (402); resumable */
    BLOCKED,
    COMPLETED, FAILED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED;
    }
}
