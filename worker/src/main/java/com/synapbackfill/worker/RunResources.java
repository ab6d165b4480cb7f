package com.synapbackfill.worker;

import com.synapbackfill.model.RunState;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.SynapApi;

/** What a worker needs per run (the run's source table, a Synap client under the run's rate limit, its receipt log). */
public interface RunResources extends AutoCloseable {
    TurnSource source();

    SynapApi synap();

    /** Where the run's ingestion receipts go (the report store); none unless the deployment has one. */
    default com.synapbackfill.report.ReceiptLog receipts() {
        return com.synapbackfill.report.ReceiptLog.NONE;
    }

    @Override
    void close();

    /** Opens the resources for a run; called once per run per worker instance. */
    @FunctionalInterface
    interface Factory {
        RunResources open(RunState run);
    }
}
