package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.source.SourceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text from outside — a source row's id, Synap's error message — never reaches the terminal raw (#41): {@code failures},
 * {@code status} and {@code report} on a local ledger whose failure row and run hold ESC, BEL and a newline that would
 * forge a line ({@code Run FAKE: 0 failures}) print them as visible escapes, and the report page shows them escaped too.
 * This JVM writes the ledger (DynamoDB Local under the state directory) and keeps serving it; each command is the CLI
 * in a process of its own, reading through the ledger endpoint as it does beside a running {@code run}.
 */
class ControlCharactersIT {
    /** A window title set, a bell, a line of its own. */
    static final String HOSTILE = "\u001b]0;pwned\u0007\u001b[2J\n Run FAKE: 0 failures";
    static final String SHOWN = "\\u001b]0;pwned\\u0007\\u001b[2J\\n Run FAKE: 0 failures";
    static final String RUN = "hostile-run";

    @TempDir
    static Path tmp;
    static Path state;
    static Target serving;

    @BeforeAll
    static void aLedgerWithAHostileFailureAndReason() {
        state = tmp.resolve("state");
        StackOptions o = new StackOptions();
        o.stateDir = state;
        serving = Target.open(o, CliConfig.load(null, Map.of()), Target.Access.WRITE, Map.of());
        Ledger ledger = serving.ledger();
        long now = System.currentTimeMillis();
        RunConfig config = RunConfig.builder(SourceConfig.of("turns")).build();
        ledger.createRun(new RunState(RUN, RunStatus.PLANNING, null, config, IdType.TEXT, 10, 0, 0, Counters.ZERO, now, now, 0));
        ledger.putShards(RUN, List.of(ShardState.pending(new Shard(RUN, 0, "a", false, "z", IdType.TEXT))), 10);
        ledger.transition(RUN, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
        ledger.recordFailures(List.of(FailureRecord.of(RUN, "doc" + HOSTILE, "row" + HOSTILE, 0, "invalid_input", 422,
                "Synap said: " + HOSTILE, now)));
        ledger.noteTrouble(RUN, "item_failed: Synap said " + HOSTILE, now);
        ledger.transition(RUN, EnumSet.of(RunStatus.RUNNING), RunStatus.BLOCKED, "Synap refused the key: " + HOSTILE);
    }

    @AfterAll
    static void stopServing() {
        if (serving != null) serving.close();
    }

    /** The CLI as a process, stdout and stderr together. */
    static CliIT.Result backfill(String... args) throws Exception {
        return CliIT.run(Map.of(), args);
    }

    static void assertShownEscaped(String text) {
        assertThat(text).doesNotContain("\u001b", "\u0007").contains(SHOWN);
        assertThat(text.lines()).as("no forged line").noneMatch(l -> l.strip().startsWith("Run FAKE"));
    }

    @Test
    void failuresPrintsTheRowsIdsAndSynapsMessageEscaped() throws Exception {
        CliIT.Result o = backfill("failures", RUN, "--state-dir", state.toString());
        assertThat(o.exit()).as(o.output()).isZero();
        assertShownEscaped(o.output());
        assertThat(o.output()).contains("doc" + SHOWN, "row" + SHOWN, "Synap said: " + SHOWN).contains("Run " + RUN + ": 1 failures");
    }

    @Test
    void statusAndReportPrintTheReasonAndTroubleEscapedAndThePageShowsThemEscaped() throws Exception {
        CliIT.Result status = backfill("status", RUN, "--state-dir", state.toString());
        assertThat(status.exit()).as(status.output()).isEqualTo(BackfillCommand.BLOCKED);
        assertShownEscaped(status.output());
        assertThat(status.output()).contains("BLOCKED (Synap refused the key: " + SHOWN + ")", "Synap said " + SHOWN);

        Path page = tmp.resolve("page.html");
        CliIT.Result report = backfill("report", RUN, "--state-dir", state.toString(), "--html", page.toString());
        assertThat(report.exit()).as(report.output()).isZero();
        assertShownEscaped(report.output());
        assertThat(report.output()).contains("Report of " + RUN + ": 1 failures {invalid_input=1}");

        String html = Files.readString(page);
        assertThat(html).doesNotContain("\u001b", "\u0007").contains("Synap refused the key: \\u001b]0;pwned\\u0007\\u001b[2J\\n Run FAKE");
    }
}
