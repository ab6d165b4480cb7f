package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.model.Counters;
import com.synapbackfill.planner.PlannerResults;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
    static PlannerResults.Status status(long handled, long messages, String trouble) {
        return new PlannerResults.Status("r1", "RUNNING", null, false, false, 1_000, 4, 1,
                new Counters(handled, handled, 0, 0, 0, 3, 0, messages), trouble == null ? 12.0 : 0.0, 60, 200, 30, trouble);
    }

    @Test
    void anOutageIsSaidWhenItStartsAndWhenItEnds() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 3_600_000)) {
            p.accept(status(100, 0, null));
            p.accept(status(100, 0, "Synap unreachable since 10:00:00 UTC (3 failed calls, last: io_error: refused); retrying"));
            p.accept(status(100, 0, "Synap unreachable since 10:00:00 UTC (5 failed calls, last: io_error: refused); retrying"));
            p.accept(status(150, 0, null));
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).containsOnlyOnce("trouble: Synap unreachable since 10:00:00 UTC (3 failed calls, last: io_error: refused); retrying")
                .doesNotContain("5 failed calls").contains("trouble over: Synap answers again");
        assertThat(out.indexOf("trouble:")).isLessThan(out.indexOf("trouble over"));
    }

    @Test
    void synapsWordsInATroubleAreShownEscapedOnTheirLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 0)) {
            p.accept(status(100, 0, "Synap unreachable (last: server_error: \u001b[2J\u0007\nprogress: 1000/1000 rows); retrying"));
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("\u001b", "\u0007").contains("server_error: \\u001b[2J\\u0007\\nprogress: 1000/1000 rows");
        assertThat(out.lines()).noneMatch(l -> l.startsWith("progress: 1000/1000")).hasSize(2);
    }

    @Test
    void theMessageShapeCountsMessagesAgainstItsEstimate() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 0)) {
            p.accept(status(300, 700, null));
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("progress: 700/1000 messages");
    }

    @Test
    void withoutATerminalWidthThereIsNoBarButPlainLines() {
        // the test JVM has no tty: the width cannot be told, so even "a terminal" gets plain lines
        assertThat(Progress.terminalWidth()).isZero();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 0)) {
            p.accept(status(300, 0, null));
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("progress: 300/1000 rows");
    }
}
