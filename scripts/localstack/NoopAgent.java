/**
 * A Java agent that does nothing. LocalStack starts DynamoDB Local with {@code -javaagent:} a patch jar it would download
 * from GitHub at first use (for more than 20 GSIs, which the ledger does not use); offline, scripts/rehearse puts this in
 * its place.
 */
public final class NoopAgent {
    private NoopAgent() {
    }

    public static void premain(String args) {
        // nothing to patch
    }
}
