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

        /**
         * Whether this process started with SIGINT ignored (a background job of a non-interactive shell: POSIX starts
         * those so, and the JVM keeps an ignored SIGINT): Ctrl-C and {@code kill -INT} then do nothing; SIGTERM still works.
         */
        boolean interruptIgnored();
    }

    /** What the operator reads on a run's first lines when SIGINT cannot reach it, or null. */
    static String ignoredWarning(Registration r) {
        return r.interruptIgnored() ? "Note: this process started with SIGINT ignored (a background job of a script?): Ctrl-C and kill -INT "
                + "cannot pause it; kill -TERM " + ProcessHandle.current().pid() + " pauses it at batch boundaries." : null;
    }

    /** What must happen even when the process leaves at once (a second Ctrl-C halts: no shutdown hook runs). */
    private static final java.util.Set<Runnable> BEFORE_HALT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Runs {@code cleanup} before a halt on a second signal (e.g. removing the state directory's {@code ledger-endpoint}). */
    static void beforeHalt(Runnable cleanup) {
        BEFORE_HALT.add(cleanup);
    }

    /** Undoes {@link #beforeHalt}. */
    static void forget(Runnable cleanup) {
        BEFORE_HALT.remove(cleanup);
    }

    private static void halt() {
        for (Runnable r : BEFORE_HALT) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // leaving anyway
            }
        }
        Runtime.getRuntime().halt(EXIT_INTERRUPTED);
    }

    /** {@code stop} returns true when it took the signal (the work then ends by itself), false to exit now. */
    static Registration onInterrupt(BooleanSupplier stop) {
        List<Signal> signals = List.of(new Signal("INT"), new Signal("TERM"));
        java.util.Map<Signal, SignalHandler> previous = new java.util.HashMap<>();
        SignalHandler handler = sig -> {
            if (!stop.getAsBoolean()) halt();
        };
        boolean[] ignored = {false};
        for (Signal s : signals) {
            try {
                SignalHandler old = Signal.handle(s, handler);
                previous.put(s, old);
                // an ignored signal stays ignored: the JVM does not install a handler over SIG_IGN
                if (s.getName().equals("INT") && old == SignalHandler.SIG_IGN) ignored[0] = true;
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal (e.g. -Xrs): the default behaviour stays
            }
        }
        return new Registration() {
            @Override
            public void close() {
                previous.forEach(Signal::handle);
            }

            @Override
            public boolean interruptIgnored() {
                return ignored[0];
            }
        };
    }
}
