package com.synapbackfill.ledger;

/**
 * The single truth of a run (docs/design.md §4): run, shards with leases and checkpoints, failures, throughput.
 * Every state change is conditional; a lost condition is a
 * {@link com.synapbackfill.error.LeaseConflictException}. Implementations: {@link DynamoDbLedger},
 * {@link InMemoryLedger}; both pass the same contract suite. A caller that needs one part depends on that part alone:
 * {@link RunLedger}, {@link ShardLedger} (leases and checkpoints), {@link FailureLedger}, {@link MetricsLedger},
 * {@link CreditLedger}.
 */
public interface Ledger extends RunLedger, ShardLedger, FailureLedger, MetricsLedger, CreditLedger {
}
