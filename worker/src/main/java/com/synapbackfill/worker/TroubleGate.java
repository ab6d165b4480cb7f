package com.synapbackfill.worker;

import com.synapbackfill.ledger.RunLedger;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;

/**
 * A call gate that tells the ledger when Synap calls fail (an outage: connection refused, timeouts, 5xx), so
 * {@code status} and {@code run} show "Synap unreachable since ..." while the client retries, instead of a
 * healthy-looking RUNNING. At most one note per {@link #EVERY} per worker; the worker clears it after a
 * step whose call succeeded ({@link ShardWorker}).
 */
final class TroubleGate implements SynapApi.CallGate {
    static final Duration EVERY = Duration.ofSeconds(10);

    private final SynapApi.CallGate delegate;
    private final RunLedger ledger;
    private final String runId;
    private final Clock clock;
    private long lastNoted = Long.MIN_VALUE / 2;

    TroubleGate(SynapApi.CallGate delegate, RunLedger ledger, String runId, Clock clock) {
        this.delegate = delegate;
        this.ledger = ledger;
        this.runId = runId;
        this.clock = clock;
    }

    @Override
    public void beforeCall(int documents) {
        delegate.beforeCall(documents);
    }

    @Override
    public void onThrottled(Duration retryAfter) {
        delegate.onThrottled(retryAfter);
    }

    @Override
    public synchronized void onCallFailed(String what) {
        delegate.onCallFailed(what);
        long now = clock.millis();
        if (now - lastNoted < EVERY.toMillis()) return;
        lastNoted = now;
        try {
            ledger.noteTrouble(runId, what, now);
        } catch (RuntimeException e) {
            // the ledger being down too must not stop the retries; the shard's own error path reports it
        }
    }
}
