package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code backfill report RUN}: writes report.json, failures.jsonl and the page report.html (S3 or the state directory)
 * and summarizes them; {@code --html FILE} also copies the page to a file of the operator's.
 */
@Command(name = "report", description = "Write a run's report.json, failures.jsonl and report.html (charts) and print the summary.",
        footer = {"", "Exit codes: 0 invariant holds, 4 invariant broken.", "", "Examples:",
                "  backfill report backfill-nov --html backfill-nov.html   # one self-contained page: open it, mail it",
                "  backfill report backfill-nov --stack synap-backfill"})
final class ReportCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Option(names = "--html", paramLabel = "FILE", description = "also write the run's page (inline charts, nothing fetched when opened) to FILE")
    java.nio.file.Path html;

    @Override
    public Integer call() {
        try (Target target = Target.open(stack, config(), Target.Access.READ, none())) {
            PlannerResults.Status s = target.planner().status(runId(runId));
            PlannerResults.Report r = target.planner().report(runId);
            printStatus(s);
            printReport(r);
            if (html != null) {
                byte[] page = target.store().get(PlannerResults.pageKey(r.runId())).orElseThrow(() -> new IllegalStateException(
                        "the report step wrote no page at " + r.pageLocation()));
                try {
                    java.nio.file.Files.write(html, page);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("--html: cannot write " + html + ": " + e.getMessage(), e);
                }
                out.println("  page written to " + html.toAbsolutePath() + " (open it in a browser; it fetches nothing)");
            }
            return r.invariantHolds() ? BackfillCommand.OK : BackfillCommand.INVARIANT;
        }
    }
}
