package com.synapbackfill.worker;

import com.synapbackfill.ledger.CallStats;
import com.synapbackfill.model.Counters;

/** Where a worker reports what it did (EMF in Lambda, nothing in tests). */
public interface WorkerMetrics {
    void step(Counters delta, CallStats calls);

    WorkerMetrics NONE = (d, c) -> {
    };
}
