package com.synapbackfill.e2e;

/**
 * A Java agent that does nothing: LocalStack starts DynamoDB Local with {@code -javaagent:} a patch jar it would
 * download from GitHub (for more than 20 GSIs, which the ledger does not use). Offline, this stands in for it.
 */
public final class NoopAgent {
    private NoopAgent() {
    }

    public static void premain(String args) {
        // nothing to patch
    }
}
