package com.synapbackfill.ledger;

import com.synapbackfill.testing.MutableClock;

class InMemoryLedgerTest extends LedgerContract {
    @Override
    protected Ledger newLedger(MutableClock clock) {
        return new InMemoryLedger(clock);
    }
}
