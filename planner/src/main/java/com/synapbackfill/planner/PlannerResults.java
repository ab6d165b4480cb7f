package com.synapbackfill.planner;

import com.synapbackfill.model.Counters;
import java.util.Map;

/** The planner's answers, one record per action (encoded as JSON by the handler). */
public final class PlannerResults {
    private PlannerResults() {
    }

    /** Where a run's report page is in the report store (beside report.json). */
    public static String pageKey(String runId) {
        return "runs/" + runId + "/report.html";
    }

    /**
     * @param created                false when the run already existed (idempotent start)
     * @param recommendedConcurrency workers needed to reach the rate limit at the assumed latency
     * @param etaSeconds             estimated duration at the configured rate limit
     * @param notes                  what Synap's answers before the start mean for the run (the Instance's isolation, the
     *                               credits line); a run's first lines
     */
    public record Start(String runId, String status, boolean created, int shards, long estimatedRows,
                        int recommendedConcurrency, long etaSeconds, double ceilingDocsPerSecond, java.util.List<String> notes) {
        public Start {
            notes = notes == null ? java.util.List.of() : java.util.List.copyOf(notes);
        }

        public Start(String runId, String status, boolean created, int shards, long estimatedRows, int recommendedConcurrency,
                     long etaSeconds, double ceilingDocsPerSecond) {
            this(runId, status, created, shards, estimatedRows, recommendedConcurrency, etaSeconds, ceilingDocsPerSecond, null);
        }

        public Start withNotes(java.util.List<String> n) {
            return new Start(runId, status, created, shards, estimatedRows, recommendedConcurrency, etaSeconds, ceilingDocsPerSecond, n);
        }
    }

    public record Resume(String runId, String status, int shardsEnqueued) {
    }

    /**
     * @param docsPerSecond handled documents per second over the last few minutes
     * @param done          COMPLETED or FAILED: the state machine stops polling
     * @param blocked       BLOCKED: the state machine fails with {@code reason}
     */
    /**
     * @param trouble   what is wrong right now while the run goes on ("Synap unreachable since ..."), or null
     * @param creditCap what the run's {@code maxCredits} lets through, in words ("Synap gave no price for these documents:
     *                  --max-credits 50 caps the run at 50 documents"), or null for a run without a cap
     */
    public record Status(String runId, String status, String reason, boolean done, boolean blocked,
                         long estimatedRows, int shardsTotal, int shardsDone, Counters counters,
                         double docsPerSecond, long etaSeconds, long latencyP95Millis, long elapsedSeconds, String trouble,
                         String creditCap) {
        public Status(String runId, String status, String reason, boolean done, boolean blocked, long estimatedRows, int shardsTotal,
                      int shardsDone, Counters counters, double docsPerSecond, long etaSeconds, long latencyP95Millis, long elapsedSeconds,
                      String trouble) {
            this(runId, status, reason, done, blocked, estimatedRows, shardsTotal, shardsDone, counters, docsPerSecond, etaSeconds,
                    latencyP95Millis, elapsedSeconds, trouble, null);
        }

        public Status(String runId, String status, String reason, boolean done, boolean blocked, long estimatedRows, int shardsTotal,
                      int shardsDone, Counters counters, double docsPerSecond, long etaSeconds, long latencyP95Millis, long elapsedSeconds) {
            this(runId, status, reason, done, blocked, estimatedRows, shardsTotal, shardsDone, counters, docsPerSecond, etaSeconds,
                    latencyP95Millis, elapsedSeconds, null);
        }
    }

    /**
     * @param failures        unresolved failures (what the run's "failed" counts), by class in {@code failuresByClass}
     * @param resolved        failures a retry has since resolved (listed in the failures file, marked resolved)
     * @param pageLocation    the run's report page (report.html: charts of its minutes, failures, shards, verify)
     */
    public record Report(String runId, String reportLocation, String failuresLocation, long failures,
                         boolean invariantHolds, Map<String, Long> failuresByClass, long resolved, String pageLocation) {
        public Report(String runId, String reportLocation, String failuresLocation, long failures, boolean invariantHolds,
                      Map<String, Long> failuresByClass, long resolved) {
            this(runId, reportLocation, failuresLocation, failures, invariantHolds, failuresByClass, resolved, null);
        }
    }

    /**
     * @param applied whether the worker's event source mapping was updated
     */
    public record Tune(String runId, int recommendedConcurrency, long latencyP95Millis, double requestsPerSecond,
                       double headroom, boolean applied, String mappingId, int formulaConcurrency, String capReason) {
    }
}
