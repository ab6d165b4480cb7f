package com.synapbackfill.worker;

import com.synapbackfill.model.Counters;
import java.util.List;

/** Where a worker reports what it did (EMF in Lambda, nothing in tests). */
public interface WorkerMetrics {
    void step(Counters delta, List<Long> latenciesMillis);

    WorkerMetrics NONE = (d, l) -> {
    };
}
