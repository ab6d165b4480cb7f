package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.worker.FailureRetrier;
import com.synapbackfill.worker.WorkerComponents;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code backfill retry-failures RUN}: re-reads a stopped run's failed rows by id from the source and sends
 * them again under the run's rate limit and its credit cap. Resolved rows are marked so and move from failed to accepted (or
 * already present) in the run's counters; rows still invalid stay failed with their current reason. At the cap it stops
 * (exit 3), the rest unresolved, until {@code --max-credits HIGHER}.
 */
@Command(name = "retry-failures", description = "Re-read a run's failed rows from the source and send them again.",
        footer = {"", "Runs on this machine, for a local ledger or a deployed stack: it needs the database and Synap",
                "(--jdbc-url, --db-user, SOURCE_DB_PASSWORD, SYNAP_API_KEY), and the run must not be RUNNING.",
                "It spends from the run's credit cap (--max-credits of the run): at the cap it stops, exit 3.",
                "", "Examples:",
                "  backfill retry-failures backfill-nov --jdbc-url jdbc:postgresql://db/app --db-user r",
                "  backfill retry-failures backfill-nov --reason bad_row: --stack synap-backfill --config backfill.yaml"})
final class RetryFailuresCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Mixin SourceOptions source;
    @Option(names = "--reason", description = "only failures of this reason (or a prefix ending in ':')") String reason;
    @Option(names = "--extraction", description = "instead: send again the documents `backfill verify` found failed, partly failed or unknown to Synap")
    boolean extraction;
    @Option(names = "--max-credits", paramLabel = "N", description = "the run's credit cap from now on (what the run and its retries may "
            + "spend in all; a retry stopped at the cap continues with a higher one)") Long maxCredits;

    @Override
    public Integer call() throws java.io.IOException {
        CliConfig c = config();
        String id = runId(runId);
        Map<String, String> env = new java.util.LinkedHashMap<>(source.env(c, SourceOptions.Needs.SEND, null));
        if (!stack.deployed(c)) LocalRunRecord.apply(c, source, stack, id, env, out, false);
        RunCommand.checkSynap(env.get("SYNAP_BASE_URL"), env.get("SYNAP_API_KEY"));
        try (Target target = Target.open(stack, c, Target.Access.WRITE, env)) {
            if (maxCredits != null) setCap(target.ledger(), id, RunSettingsOptions.credits(Long.toString(maxCredits), "--max-credits"));
            FailureRetrier retrier = new FailureRetrier(target.ledger(),
                    WorkerComponents.resources(target.settings(), target.env(), target.aws(), target.reports(), Clock.systemUTC()), Clock.systemUTC());
            if (extraction) return resendExtractions(target, retrier, id);
            FailureRetrier.Result r = retrier.retry(id, reason, line -> out.println("  " + line));
            out.printf("Run %s: retried %,d failures: resolved %,d (accepted %,d, already present %,d) in %,d calls; still failing %,d%n",
                    id, r.retried(), r.resolved(), r.accepted(), r.alreadyPresent(), r.calls(), r.stillFailingTotal());
            r.stillFailing().forEach((k, v) -> out.printf("  %-32s %,8d%n", k, v));
            if (r.stoppedAtCap() != null) out.println("Stopped at the run's credit cap: " + r.stoppedAtCap());
            PlannerResults.Report report = target.planner().report(id);
            printReport(report);
            if (r.stoppedAtCap() != null) return BackfillCommand.BLOCKED;
            return report.invariantHolds() ? BackfillCommand.OK : BackfillCommand.INVARIANT;
        }
    }

    /** {@code --max-credits}: the run's cap from now on, as {@code resume --max-credits} sets it. */
    private void setCap(com.synapbackfill.ledger.RunLedger ledger, String id, Long cap) {
        var run = ledger.run(id).orElseThrow(() -> new IllegalArgumentException("RUN: no run \"" + id + "\" in the ledger"));
        if (cap.equals(run.config().maxCredits())) return;
        ledger.updateConfig(id, run.config().toBuilder().maxCredits(cap).build());
        out.printf("Run %s: credit cap %s → %,d (%s)%n", id, run.config().maxCredits() == null ? "none" : String.format("%,d",
                run.config().maxCredits()), cap, run.config().creditPrice().describeCap(cap));
    }

    /** {@code --extraction}: the failed documents of the run's last verify, sent again; 0 when Synap queued them all. */
    private int resendExtractions(Target target, FailureRetrier retrier, String id) throws java.io.IOException {
        com.synapbackfill.report.ReportStore store = target.store();
        String key = com.synapbackfill.worker.ExtractionVerifier.key(id);
        byte[] json = store.get(key).orElseThrow(() -> new IllegalArgumentException("RUN: run " + id
                + " has no verify.json yet: run `backfill verify " + id + stack.where() + " --wait` first"));
        java.util.List<String> rows = new java.util.ArrayList<>();
        for (var item : com.synapbackfill.json.Json.MAPPER.readTree(json).path("items")) {
            String status = item.path("status").asText();
            if (status.equals("failed") || status.equals("partial_success") || status.equals(com.synapbackfill.worker.ExtractionVerifier.NOT_FOUND))
                rows.add(item.path("sourceRowId").asText());
        }
        if (rows.isEmpty()) {
            out.println("Run " + id + ": the last verify found no failed extraction (" + store.location(key) + ")");
            return BackfillCommand.OK;
        }
        FailureRetrier.ExtractionResend r = retrier.resendExtractions(id, rows, line -> out.println("  " + line));
        out.printf("Run %s: resent %,d documents whose extraction failed (from %s): queued again %,d in %,d calls%n", id, r.resent(),
                store.location(key), r.accepted(), r.calls());
        if (r.accepted() > 0) out.println("  verify again once Synap has processed them: backfill verify " + id + stack.where() + " --all --wait");
        if (r.refused() > 0)
            out.printf("  Synap refused %,d as already present: its duplicate policy keeps the document it has (with the failed extraction). "
                    + "To extract them again, delete those documents in Synap (their document ids are in verify.json) and run this again, "
                    + "or ask Synap support to reprocess them.%n", r.refused());
        r.failed().forEach((k, v) -> out.printf("  not sent: %-28s %,8d%n", k, v));
        if (r.stoppedAtCap() != null) {
            out.println("Stopped at the run's credit cap: " + r.stoppedAtCap().replace("retry-failures " + id, "retry-failures " + id + " --extraction"));
            return BackfillCommand.BLOCKED;
        }
        return r.refused() + r.failedTotal() == 0 ? BackfillCommand.OK : BackfillCommand.EXTRACTION_FAILED;
    }
}
