package com.synapbackfill.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a run lives: a local ledger under {@code --state-dir} (the default), or a deployed stack, named by
 * {@code --stack} (its outputs give the rest) or by its parts. Flags win over the stack's outputs.
 */
final class StackOptions {
    @Option(names = "--state-dir", description = "local ledger and reports (default .backfill; env BACKFILL_STATE_DIR)") Path stateDir;
    @Option(names = "--stack", description = "a deployed stack: its outputs name the planner, state machine, table, queue and bucket") String stack;
    @Option(names = "--planner-function", description = "deployed planner function (overrides the stack's)") String plannerFunction;
    @Option(names = "--state-machine", description = "deployed state machine ARN (overrides the stack's)") String stateMachine;
    @Option(names = "--ledger-table", description = "deployed ledger table (overrides the stack's)") String ledgerTable;
    @Option(names = "--queue-url", description = "deployed shard queue URL (overrides the stack's)") String queueUrl;
    @Option(names = "--report-bucket", description = "deployed report bucket (overrides the stack's)") String reportBucket;
    @Option(names = "--rate-scope", description = "rate-limit scope shared with the deployed workers (default the stack name)") String rateScope;
    @Option(names = "--region", description = "AWS region (default: the SDK's chain, e.g. AWS_REGION)") String region;

    /** The options that name where this run lives, for a hint the user can paste ("" for the default state directory). */
    String where() {
        if (stack != null) return " --stack " + stack;
        if (stateDir != null) return " --state-dir " + stateDir;
        return "";
    }

    /** Whether any option names a deployed stack. */
    boolean deployed(CliConfig c) {
        return c.pick(stack, "stack", "BACKFILL_STACK") != null || c.pick(plannerFunction, "plannerFunction", null) != null
                || c.pick(ledgerTable, "ledgerTable", null) != null || c.pick(stateMachine, "stateMachine", null) != null;
    }
}
