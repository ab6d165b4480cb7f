package com.synapbackfill.cli;

import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.planner.PlannerActions;
import com.synapbackfill.planner.PlannerResults;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the operator commands share: where the run lives, the config file, and how a status is shown. */
abstract class OperatorCommand implements Callable<Integer> {
    @Mixin StackOptions stack;
    @Option(names = "--config", description = "YAML file with any of the long options (flags win over it)") Path configFile;

    /** Text output: control characters in it (a row's id, Synap's message) shown as escapes, never sent raw to the terminal. */
    final PrintStream out = PrintableStream.of(System.out);
    /** Error output, escaped the same way. */
    final PrintStream err = PrintableStream.of(System.err);
    /** Consecutive failed status calls a watch rides out before it gives up. */
    static final int MAX_UNAVAILABLE = 10;

    CliConfig config() {
        return CliConfig.load(configFile, System.getenv());
    }

    static String runId(String id) {
        return RunIds.requireValid(id);
    }

    /** The run id of a new run: the flag, the file's runId, RUN_ID, or a generated one. */
    static String newRunId(CliConfig c, String flag) {
        String id = c.pick(flag, "runId", "RUN_ID");
        return id == null ? RunIds.generate(java.time.Clock.systemUTC()) : RunIds.requireValid(id);
    }

    /** How to reach a stack's workers: {@code via} as given, else the state machine when the stack has one. */
    static boolean viaStateMachine(String via, Target target) {
        String how = via != null ? via : target.stateMachine() != null ? "state-machine" : "planner";
        if (!how.equals("state-machine") && !how.equals("planner"))
            throw new IllegalArgumentException("--via: must be state-machine or planner, was \"" + via + "\"");
        if (how.equals("state-machine") && target.stateMachine() == null)
            throw new IllegalArgumentException("--via state-machine: needs a deployed stack with one (--stack or --state-machine)");
        return how.equals("state-machine");
    }

    /** Follows a run until it is COMPLETED, FAILED or BLOCKED, with the progress bar (plain lines off a terminal). */
    PlannerResults.Status watch(PlannerActions planner, String runId, Duration every) throws InterruptedException {
        return watch(planner, () -> planner, runId, every);
    }

    /**
     * @param reconnect the planner to ask after a failed call: a reader of a local ledger opens the state
     *                  directory again, since the run that served the ledger may just have ended
     */
    PlannerResults.Status watch(PlannerActions first, java.util.function.Supplier<PlannerActions> reconnect, String runId,
                                Duration every) throws InterruptedException {
        try (Progress progress = new Progress(out, System.console() != null, every.toMillis())) {
            int unavailable = 0;
            PlannerActions planner = first;
            while (true) {
                PlannerResults.Status s;
                try {
                    if (planner == null) planner = reconnect.get();
                    s = planner.status(runId);
                    unavailable = 0;
                } catch (IllegalArgumentException e) {
                    throw e; // no such run, bad id: asking again will not help
                } catch (RuntimeException e) {
                    // an hours-long watch outlives a throttled invocation or a network blip: say so and ask again
                    if (++unavailable >= MAX_UNAVAILABLE) throw e;
                    planner = null;
                    out.printf("status unavailable (%s); asking again in %d s (%d/%d)%n", e.getMessage(), every.toSeconds(),
                            unavailable, MAX_UNAVAILABLE);
                    Thread.sleep(every.toMillis());
                    continue;
                }
                progress.accept(s);
                if (s.done() || s.blocked()) return s;
                Thread.sleep(every.toMillis());
            }
        }
    }

    void printStatus(PlannerResults.Status s) {
        Counters c = s.counters();
        out.printf("Run %s: %s%s%n", s.runId(), s.status(), s.reason() == null ? "" : " (" + s.reason() + ")");
        if (s.trouble() != null) out.println("  " + s.trouble());
        if (s.creditCap() != null && !s.blocked()) out.println("  credits: " + s.creditCap());
        if (c.messages() > 0) {
            out.printf("  shards %d/%d done; messages %,d of ~%,d: turns accepted %,d, already present %,d, failed %,d (bad messages included)%s%n",
                    s.shardsDone(), s.shardsTotal(), c.messages(), Math.max(s.estimatedRows(), c.messages()), c.accepted(), c.alreadyPresent(), c.failed(),
                    c.skipped() == 0 ? "" : String.format(", messages skipped %,d (roles, empty, filter or cutover%s)", c.skipped(),
                            c.withoutConversation() == 0 ? "" : String.format("; %,d without a conversation id: missing_conversation_id",
                                    c.withoutConversation())));
        } else {
            out.printf("  shards %d/%d done; rows %,d of ~%,d: accepted %,d, already present %,d, failed %,d%s%n", s.shardsDone(),
                    s.shardsTotal(), c.rowsRead(), Math.max(s.estimatedRows(), c.rowsRead()), c.accepted(), c.alreadyPresent(), c.failed(),
                    c.skipped() == 0 ? "" : String.format(", skipped %,d (filter or cutover)", c.skipped()));
        }
        String rate = s.done() ? String.format("%.1f docs/s overall", c.handled() / (double) Math.max(1, s.elapsedSeconds()))
                : String.format("%.1f docs/s over the last minutes, ETA %s", s.docsPerSecond(), Progress.eta(s.etaSeconds()));
        out.printf("  %s, calls %,d, 429s %,d, p95 latency %d ms, elapsed %s%n", rate, c.calls(), c.throttled(),
                s.latencyP95Millis(), Progress.eta(s.elapsedSeconds()));
        String hint = throttleHint(c, s.elapsedSeconds());
        if (hint != null) out.println("  " + hint);
        if (s.blocked()) out.println("  " + RunCommand.blockedHint(s.reason(), s.runId(), stack.where()));
    }

    /**
     * When more than 5 % of at least 20 calls were answered 429, the Instance's limit is below the run's rate
     * limit: a hint with the rate Synap actually took, ready to pass as {@code --rate-limit}. Null otherwise.
     */
    static String throttleHint(Counters c, long elapsedSeconds) {
        long attempts = c.calls() + c.throttled();
        if (attempts < 20 || c.throttled() <= 0.05 * attempts) return null;
        long perMinute = Math.max(1, Math.round(c.calls() * 60.0 / Math.max(1, elapsedSeconds)));
        return String.format("hint: %.1f %% of calls were throttled (429): Synap's limit for this Instance is below the run's rate limit; "
                + "Synap took ~%,d calls/min, so pass --rate-limit %d (resume or run again with the same --run-id)",
                100.0 * c.throttled() / attempts, perMinute, perMinute);
    }

    void printReport(PlannerResults.Report r) {
        out.printf("Report of %s: %,d failures%s%s; invariant (rows read = accepted + already present + failed + skipped) %s%n", r.runId(),
                r.failures(), r.failures() == 0 ? "" : " " + r.failuresByClass(),
                r.resolved() == 0 ? "" : String.format(" (and %,d resolved by a retry)", r.resolved()), r.invariantHolds() ? "holds" : "BROKEN");
        out.println("  report:   " + r.reportLocation());
        out.println("  failures: " + r.failuresLocation());
        if (r.pageLocation() != null) out.println("  page:     " + r.pageLocation() + " (charts of the run; open it in a browser)");
    }

    /** Names a finished run's report page when the report step or {@code backfill report} has written one. */
    void printPage(Target target, PlannerResults.Status s) {
        if (!s.done() && !s.blocked()) return;
        try {
            com.synapbackfill.report.ReportStore store = target.store();
            String key = PlannerResults.pageKey(s.runId());
            out.println(store.get(key).isPresent() ? "  page: " + store.location(key) + " (charts of the run; open it in a browser)"
                    : "  page: `backfill report " + s.runId() + " --html report.html` draws the run's charts");
        } catch (RuntimeException noBucket) {
            // a stack whose bucket is not known here: status says what it can without the page
        }
    }

    /** 0 completed or still running, 3 blocked, 1 failed. */
    static int exitCode(PlannerResults.Status s) {
        if (s.blocked()) return BackfillCommand.BLOCKED;
        return "FAILED".equals(s.status()) ? BackfillCommand.ERROR : BackfillCommand.OK;
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
