package com.synapbackfill.worker;

import com.synapbackfill.model.RunState;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.SynapApi;

/** What a worker needs per run (the run's source table and a Synap client under the run's rate limit). */
public interface RunResources extends AutoCloseable {
    TurnSource source();

    SynapApi synap();

    @Override
    void close();

    /** Opens the resources for a run; called once per run per worker instance. */
    @FunctionalInterface
    interface Factory {
        RunResources open(RunState run);
    }
}
