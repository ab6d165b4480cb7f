package com.synapbackfill.cli;

import java.util.List;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT (Ctrl-C) and SIGTERM during a local run. A signal handler rather than a shutdown hook: the hook would
 * race the in-process DynamoDB Local's own hook, while the ledger must still be written (the run paused, the
 * leases released). The handler asks the run to stop; a second signal, or a handler that declines, exits at once.
 */
final class Interrupts {
    /** What a shell reports for a process ended by Ctrl-C (128 + SIGINT). */
    static final int EXIT_INTERRUPTED = 130;

    private Interrupts() {
    }

    /** Undoes {@link #onInterrupt}. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** {@code stop} returns true when it took the signal (the work then ends by itself), false to exit now. */
    static Registration onInterrupt(BooleanSupplier stop) {
        List<Signal> signals = List.of(new Signal("INT"), new Signal("TERM"));
        java.util.Map<Signal, SignalHandler> previous = new java.util.HashMap<>();
        SignalHandler handler = sig -> {
            if (!stop.getAsBoolean()) Runtime.getRuntime().halt(EXIT_INTERRUPTED);
        };
        for (Signal s : signals) {
            try {
                previous.put(s, Signal.handle(s, handler));
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal (e.g. -Xrs): the default behaviour stays
            }
        }
        return () -> previous.forEach(Signal::handle);
    }
}
