package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.model.Counters;
import com.synapbackfill.planner.PlannerActions;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** status --watch rides out a few failed status calls (throttling, a network blip) but not a wrong run id. */
class WatchTest {
    static final OperatorCommand COMMAND = new OperatorCommand() {
        @Override
        public Integer call() {
            return 0;
        }
    };

    /** A planner whose status fails {@code failures} times, then answers RUNNING once and COMPLETED after. */
    static PlannerActions planner(int failures, RuntimeException error, AtomicInteger calls) {
        return new PlannerActions() {
            @Override public PlannerResults.Start start(PlannerRequest r) { throw new UnsupportedOperationException(); }
            @Override public PlannerResults.Resume resume(String id) { throw new UnsupportedOperationException(); }
            @Override public PlannerResults.Report report(String id) { throw new UnsupportedOperationException(); }
            @Override public PlannerResults.Tune tune(String id, boolean apply) { throw new UnsupportedOperationException(); }

            @Override
            public PlannerResults.Status status(String id) {
                int n = calls.incrementAndGet();
                if (n <= failures) throw error;
                boolean done = n > failures + 1;
                return new PlannerResults.Status(id, done ? "COMPLETED" : "RUNNING", null, done, false, 10, 1, done ? 1 : 0,
                        new Counters(done ? 10 : 5, done ? 10 : 5, 0, 0, 0, 1, 0), 1, 5, 100, 10);
            }
        };
    }

    @Test
    void aFewFailedStatusCallsAreRiddenOut() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        PlannerResults.Status s = COMMAND.watch(planner(3, new IllegalStateException("Rate exceeded"), calls), "r1", Duration.ofMillis(5));
        assertThat(s.status()).isEqualTo("COMPLETED");
        assertThat(calls.get()).isEqualTo(5);
    }

    @Test
    void aWatchGivesUpAfterTooManyFailuresInARow() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> COMMAND.watch(planner(100, new IllegalStateException("down"), calls), "r1", Duration.ofMillis(1)))
                .hasMessage("down");
        assertThat(calls.get()).isEqualTo(OperatorCommand.MAX_UNAVAILABLE);
    }

    @Test
    void aWrongRunIdEndsTheWatchAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> COMMAND.watch(planner(100, new IllegalArgumentException("runId: no run \"r1\""), calls), "r1",
                Duration.ofMillis(1))).hasMessageContaining("no run");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void afterAFailedCallTheWatchAsksAReconnectedPlanner() throws Exception {
        AtomicInteger deadCalls = new AtomicInteger();
        AtomicInteger liveCalls = new AtomicInteger();
        AtomicInteger reconnects = new AtomicInteger();
        PlannerActions dead = planner(100, new IllegalStateException("Connection refused"), deadCalls);
        PlannerActions live = planner(0, null, liveCalls);
        PlannerResults.Status s = COMMAND.watch(dead, () -> {
            reconnects.incrementAndGet();
            return live;
        }, "r1", Duration.ofMillis(1));
        assertThat(s.status()).isEqualTo("COMPLETED");
        assertThat(deadCalls.get()).isEqualTo(1);
        assertThat(reconnects.get()).isEqualTo(1);
    }

    @Test
    void aLedgerThatCannotBeOpenedYetIsRiddenOutLikeAFailedCall() throws Exception {
        // status --watch opens the ledger inside the watch: the run serving it may end between the lock check and
        // the first call (a clean-clone CI run met "Connection refused" there)
        AtomicInteger opens = new AtomicInteger();
        AtomicInteger liveCalls = new AtomicInteger();
        PlannerActions live = planner(0, null, liveCalls);
        PlannerResults.Status s = COMMAND.watch(null, () -> {
            if (opens.incrementAndGet() == 1) throw new IllegalStateException("Unable to execute HTTP request: Connection refused");
            return live;
        }, "r1", Duration.ofMillis(1));
        assertThat(s.status()).isEqualTo("COMPLETED");
        assertThat(opens.get()).isEqualTo(2);
    }
}
