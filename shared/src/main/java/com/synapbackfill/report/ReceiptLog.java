package com.synapbackfill.report;

import java.util.List;

/**
 * Port: where a worker keeps the receipts of each step, durably and before the step's checkpoint, so every
 * document the ledger counts as accepted has one ({@link Receipts} on the report store).
 */
@FunctionalInterface
public interface ReceiptLog {
    /** Stores the receipts of one step of {@code shardNo}; a failure propagates (the step is not checkpointed). */
    void record(String runId, int shardNo, List<Receipt> receipts);

    /** Keeps nothing (no report store configured; verify cannot check such a run). */
    ReceiptLog NONE = (runId, shardNo, receipts) -> {
    };
}
