package com.synapbackfill.planner;

import com.synapbackfill.ledger.RunLedger;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.model.RunState;

/** The run an action names, or an error naming the run id the operator gave. */
final class Runs {
    private Runs() {
    }

    static RunState require(RunLedger ledger, String runId) {
        return ledger.run(RunIds.requireValid(runId)).orElseThrow(() -> new IllegalArgumentException("runId: no run \"" + runId + "\" in the ledger"));
    }
}
