package com.synapbackfill.planner;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.ledger.MinuteStats;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.report.ReportStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report action's work (docs/operating.md#the-report): reads a run's failures, shards and minutes from the ledger
 * (and its last verify.json from the store) and writes {@code report.json}, {@code failures.jsonl} and the page
 * {@code report.html} beside them. The minutes go into report.json too, so the bucket keeps what the page drew after
 * the ledger's minute items expire.
 */
final class RunReport {
    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);
    private static final int PAGE = 500;

    private final Ledger ledger;
    private final ReportStore reports;

    RunReport(Ledger ledger, ReportStore reports) {
        this.ledger = ledger;
        this.reports = reports;
    }

    static String base(String runId) {
        return "runs/" + runId + "/";
    }

    /** Where a run's page goes in the report store. */
    static String pageKey(String runId) {
        return PlannerResults.pageKey(runId);
    }

    PlannerResults.Report write(RunState run, PlannerResults.Status status, long nowMillis) {
        String runId = run.runId();
        // failures.jsonl first, streamed from the ledger a page at a time (memory bounded whatever their number), counted
        // as it goes for report.json and the page
        Failures failures = new Failures();
        String failuresAt = reports.put(base(runId) + "failures.jsonl", "application/x-ndjson", out -> failures.write(ledger, runId, out));
        List<ShardState> shards = shards(runId);
        long minRows = shards.stream().mapToLong(s -> s.counters().rowsRead()).min().orElse(0);
        long maxRows = shards.stream().mapToLong(s -> s.counters().rowsRead()).max().orElse(0);
        long attempts = shards.stream().mapToLong(ShardState::attempts).sum();
        long end = run.completedAtEpochMillis() > 0 ? Math.max(run.completedAtEpochMillis(), run.updatedAtEpochMillis()) : nowMillis;
        Minutes minutes = Minutes.of(ledger.minutes(runId, run.createdAtEpochMillis() / 60_000, end / 60_000),
                run.createdAtEpochMillis(), end);
        Counters c = run.counters();
        boolean invariant = c.rowsRead() == c.handled();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runId", runId);
        // which release wrote this report (and, from the ledger, which one started the run)
        report.put("synapBackfill", Map.of("version", com.synapbackfill.model.BuildInfo.version(), "commit",
                com.synapbackfill.model.BuildInfo.commit(), "runStartedBy", run.writtenBy() == null ? "unknown" : run.writtenBy()));
        report.put("status", run.status().name());
        report.put("statusReason", run.statusReason());
        report.put("config", run.config());
        report.put("counts", c);
        report.put("invariant", Map.of("rowsRead", c.rowsRead(), "accepted+alreadyPresent+failed+skipped", c.handled(),
                "holds", invariant));
        report.put("failures", Map.of("total", failures.total, "unresolved", failures.unresolved, "byClass", failures.byClass,
                "resolved", failures.total - failures.unresolved, "resolvedByClass", failures.resolvedByClass));
        report.put("shards", Map.of("total", (long) shards.size(), "done", run.shardsDone(), "minRows", minRows,
                "maxRows", maxRows, "meanRows", shards.isEmpty() ? 0 : c.rowsRead() / shards.size(), "leasesTaken", attempts));
        report.put("timing", Map.of("createdAt", Instant.ofEpochMilli(run.createdAtEpochMillis()).toString(),
                "completedAt", run.completedAtEpochMillis() == 0 ? "" : Instant.ofEpochMilli(run.completedAtEpochMillis()).toString(),
                "elapsedSeconds", status.elapsedSeconds(),
                "docsPerSecond", status.elapsedSeconds() > 0 ? Math.round(c.handled() * 10.0 / status.elapsedSeconds()) / 10.0 : 0,
                "ceilingDocsPerSecond", run.config().ceilingDocsPerSecond(),
                "latencyP95Millis", status.latencyP95Millis()));
        report.put("calls", Map.of("total", c.calls(), "throttled", c.throttled()));
        report.put("minutes", minutes.json());
        report.put("failuresFile", failuresAt);
        byte[] json = Json.write(report).getBytes(StandardCharsets.UTF_8);
        String reportAt = reports.put(base(runId) + "report.json", json, "application/json");
        JsonNode verify = lastVerify(runId);
        ReportPage.Data data = new ReportPage.Data(run, status, minutes, failures.byClass, failures.total - failures.unresolved,
                shards, verify, invariant, Instant.ofEpochMilli(nowMillis));
        String pageAt = reports.put(pageKey(runId), ReportPage.render(data).getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        LOG.info("report {}: {} failures, invariant {}, page {}", runId, failures.total, invariant ? "holds" : "BROKEN", pageAt);
        return new PlannerResults.Report(runId, reportAt, failuresAt, failures.unresolved, invariant, failures.byClass,
                failures.total - failures.unresolved, pageAt);
    }

    private JsonNode lastVerify(String runId) {
        try {
            return reports.get(base(runId) + "verify.json").map(b -> Json.read(new String(b, StandardCharsets.UTF_8), JsonNode.class))
                    .orElse(null);
        } catch (IllegalArgumentException unreadable) {
            return null; // written by another version: the page says there is none
        }
    }

    private static final class Failures {
        final Map<String, Long> byClass = new TreeMap<>();
        final Map<String, Long> resolvedByClass = new TreeMap<>();
        long total;
        long unresolved;

        /** Writes every failure of the run as a JSON line, counting them. */
        void write(Ledger ledger, String runId, java.io.OutputStream out) throws java.io.IOException {
            String after = null;
            while (true) {
                List<FailureRecord> page = ledger.failures(runId, after, PAGE);
                if (page.isEmpty()) return;
                for (FailureRecord r : page) {
                    total++;
                    // counted as the run line counts "failed": a resolved failure is no longer one (it moved to accepted)
                    if (!r.resolved()) {
                        unresolved++;
                        byClass.merge(r.errorClass(), 1L, Long::sum);
                    } else {
                        resolvedByClass.merge(r.errorClass(), 1L, Long::sum);
                    }
                    out.write(Json.writeBytes(r));
                    out.write('\n');
                }
                after = page.get(page.size() - 1).key();
            }
        }
    }

    private List<ShardState> shards(String runId) {
        List<ShardState> out = new ArrayList<>();
        int after = -1;
        while (true) {
            List<ShardState> page = ledger.shards(runId, after, PAGE);
            if (page.isEmpty()) return out;
            out.addAll(page);
            after = page.get(page.size() - 1).shard().shardNo();
        }
    }

    /**
     * A run's minutes from its creation to its end (or now), every minute present (zeros where nothing happened), as
     * parallel series.
     */
    record Minutes(long firstMinute, long[] handled, long[] calls, long[] throttled, long[] serverErrors, long[] retries,
                   long[] p50, long[] p95, long[] failed, long[] seconds) {
        /**
         * @param startMillis the run's creation
         * @param endMillis   its completion, or now
         */
        static Minutes of(List<MinuteStats> stored, long startMillis, long endMillis) {
            long first = startMillis / 60_000;
            long last = Math.max(first, endMillis / 60_000);
            int n = (int) (last - first + 1);
            Minutes m = new Minutes(first, new long[n], new long[n], new long[n], new long[n], new long[n], new long[n], new long[n],
                    new long[n], new long[n]);
            for (int i = 0; i < n; i++) {
                // the seconds of the minute the run covered: its first and last minutes are partial
                long from = Math.max((first + i) * 60_000, startMillis);
                long to = Math.min((first + i + 1) * 60_000, Math.max(endMillis, startMillis));
                m.seconds[i] = Math.max(1, Math.round((to - from) / 1000.0));
            }
            for (MinuteStats s : stored) {
                int i = (int) (s.minute() - first);
                if (i < 0 || i >= n) continue;
                m.handled[i] = s.handled();
                m.calls[i] = s.calls();
                m.throttled[i] = s.throttled();
                m.serverErrors[i] = s.serverErrors();
                m.retries[i] = s.retries();
                m.p50[i] = s.latencyQuantile(0.5);
                m.p95[i] = s.latencyQuantile(0.95);
                m.failed[i] = s.failed();
            }
            return m;
        }

        int size() {
            return handled.length;
        }

        Map<String, Object> json() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("from", Instant.ofEpochSecond(firstMinute * 60).toString());
            j.put("secondsCovered", seconds);
            j.put("handled", handled);
            j.put("failed", failed);
            j.put("calls", calls);
            j.put("throttled", throttled);
            j.put("serverErrors", serverErrors);
            j.put("retries", retries);
            j.put("latencyP50Millis", p50);
            j.put("latencyP95Millis", p95);
            return j;
        }
    }
}
