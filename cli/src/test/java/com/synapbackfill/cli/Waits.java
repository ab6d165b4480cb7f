package com.synapbackfill.cli;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * How these tests wait: for a condition, polled, with a deadline and a name in the failure — never for a fixed time.
 * Awaitility would otherwise fail a wait on any thread's uncaught exception, and the chaos tests' simulated crashes
 * are exactly that (an ESM thread's worker dying is the scenario, not a failure).
 */
final class Waits {
    private Waits() {
    }

    static ConditionFactory await(String what) {
        return Awaitility.await(what).dontCatchUncaughtExceptions();
    }
}
