package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.report.InMemoryReportStore;
import com.synapbackfill.source.SourceConfig;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state machine's verify pass: the same sample every pass, only the pending asked again, bounded passes. */
class VerifyStepTest {
    @Test
    void passesContinueTheSameSampleUntilEveryDocumentIsTerminalOrThePassesAreUsedUp() throws Exception {
        InMemoryLedger ledger = new InMemoryLedger(Clock.systemUTC());
        long now = System.currentTimeMillis();
        ledger.createRun(new RunState("r1", RunStatus.PLANNING, null, RunConfig.builder(SourceConfig.of("turns")).build(), IdType.BIGINT,
                300, 0, 0, Counters.ZERO, now, now, 0));
        ExtractionVerifierTest.ScriptedSynap synap = new ExtractionVerifierTest.ScriptedSynap();
        // every document takes two asks; number 3 fails on its second
        InMemoryReportStore store = ExtractionVerifierTest.run(300, synap, i -> List.of("queued", i == 3 ? "failed" : "completed"));
        VerifyStep step = new VerifyStep(ledger, store, run -> synap, Clock.systemUTC());

        VerifyStep.Output first = step.pass(new VerifyStep.Input("r1", 300, 5, 0));
        assertThat(first.passes()).isEqualTo(1);
        assertThat(first.done()).isFalse();
        assertThat(first.outcome()).isEqualTo("pending");
        assertThat(first.byStatus()).containsEntry("queued", 300L);
        VerifyStep.Output second = step.pass(new VerifyStep.Input("r1", 300, 5, first.passes()));
        assertThat(second.done()).isTrue();
        assertThat(second.outcome()).isEqualTo("failed");
        assertThat(second.byStatus()).containsEntry("completed", 299L).containsEntry("failed", 1L);
        assertThat(synap.asked.values()).allMatch(n -> n.get() == 2);
        // a third pass asks nobody: everything is terminal
        step.pass(new VerifyStep.Input("r1", 300, 5, second.passes()));
        assertThat(synap.asked.values()).allMatch(n -> n.get() == 2);

        // a sample that never settles ends when the passes are used up
        ExtractionVerifierTest.ScriptedSynap stuck = new ExtractionVerifierTest.ScriptedSynap();
        InMemoryReportStore store2 = ExtractionVerifierTest.run(300, stuck, i -> List.of("processing"));
        VerifyStep slow = new VerifyStep(ledger, store2, run -> stuck, Clock.systemUTC());
        VerifyStep.Output a = slow.pass(new VerifyStep.Input("r1", 50, 2, 0));
        VerifyStep.Output b = slow.pass(new VerifyStep.Input("r1", 50, 2, a.passes()));
        assertThat(a.done()).isFalse();
        assertThat(b.done()).isTrue();
        assertThat(b.outcome()).isEqualTo("pending");
        assertThat(b.sampled()).isEqualTo(50);
        assertThat(stuck.asked).hasSize(50);

        assertThatThrownBy(() -> step.pass(new VerifyStep.Input("nope", 10, 1, 0))).hasMessageContaining("no run \"nope\"");
        assertThatThrownBy(() -> step.pass(new VerifyStep.Input("r1", 0, 1, 0))).hasMessageContaining("sample: must be >= 1");
    }
}
