package com.synapbackfill.cli.bench;

import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.cli.LocalEventSourceMapping;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.planner.PlannerService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bench --only ceiling, ceiling3000, ceiling6000, ceiling900, receipts}: the fleet against an emulated Synap's
 * rate limit — documents a second as a share of the ceiling, 429s, the first minute, the hottest ledger item (#33) —
 * and what ingestion receipts cost.
 */
final class CeilingBench {
    private final BenchParts parts;

    CeilingBench(BenchParts parts) {
        this.parts = parts;
    }

    double ceiling(String name, int emulatorLimit, int configuredLimit, int rows, double targetEfficiency,
                           double targetThrottleShare) throws Exception {
        return ceiling(name, emulatorLimit, configuredLimit, rows, targetEfficiency, targetThrottleShare, true);
    }

    /** @param receipts whether the workers keep ingestion receipts (in s3mock, as a deployed stack in S3) */
    double ceiling(String name, int emulatorLimit, int configuredLimit, int rows, double targetEfficiency,
                           double targetThrottleShare, boolean receipts) throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(emulatorLimit)
                .latency(Duration.ofMillis(150), Duration.ofMillis(400)).seed(11).build())) {
            Map<String, String> env = parts.env(emulator, "bench_turns");
            env.put("RATE_LIMIT_PER_MINUTE", Integer.toString(configuredLimit));
            env.put("SOURCE_TO_ID", Integer.toString(rows));
            env.put("SHARD_TARGET_ROWS", Integer.toString(Math.max(1000, rows / 40)));
            LocalDeployment d = LocalDeployment.create("bench-" + name.replace('_', '-'), RealParts.dynamo(), RealParts.sqs(),
                    receipts ? RealParts.s3() : null, env);
            // without a bucket the workers keep no receipts; the planner's reports (unused here) stay in memory
            PlannerService planner = receipts ? PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC())
                    : PlannerComponents.create(d.settings(), d.env(), d.aws(), new com.synapbackfill.report.InMemoryReportStore(), Clock.systemUTC());
            String runId = name.replace('_', '-');
            var meter = d.aws().dynamoCapacity();
            meter.meterItems(); // writes per ledger item (#33): the hottest item must not heat up with the rate
            PlannerResults.Start start = planner.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
            double ceiling = emulatorLimit / 60.0 * 100;
            List<long[]> samples = new ArrayList<>();
            long t0 = System.currentTimeMillis();
            int workers = Integer.getInteger("bench.workers", start.recommendedConcurrency());
            try (LocalEventSourceMapping esm = BenchParts.fleet(d, workers)) {
                while (true) {
                    PlannerResults.Status s = planner.status(runId);
                    samples.add(new long[] {System.currentTimeMillis() - t0, s.counters().handled()});
                    if (s.done() || System.currentTimeMillis() - t0 > 600_000) break;
                    Thread.sleep(250);
                }
            }
            // docs/s between 10 s in and the moment 90% of the rows were done (the tail has fewer shards left)
            long[] from = samples.stream().filter(x -> x[0] >= 10_000).findFirst().orElse(samples.get(0));
            long[] to = samples.stream().filter(x -> x[1] >= rows * 0.9).findFirst().orElse(samples.get(samples.size() - 1));
            double rate = (to[1] - from[1]) / Math.max(0.001, (to[0] - from[0]) / 1000.0);
            double efficiency = rate / ceiling;
            double ramp = secondsTo(samples, 0.9 * ceiling);
            var hottest = meter.hottestItem();
            var stats = emulator.stats();
            double throttled = stats.batchCalls() == 0 ? 0 : (double) stats.rateLimited() / stats.batchCalls();
            boolean pass = efficiency >= targetEfficiency && throttled <= targetThrottleShare;
            System.out.printf("%s: hottest ledger item %s, %.0f writes in one second; most write units in one second %.0f (%s)%n", name,
                    hottest.item(), hottest.writesPerSecond(), hottest.wcuPerSecond(), hottest.wcuItem());
            parts.record(name, Map.of("rows", rows, "emulatorLimitPerMinute", emulatorLimit, "configuredLimitPerMinute", configuredLimit,
                            "workers", workers, "latency", "p50 150 ms / p95 400 ms", "receipts", receipts),
                    Map.of("docsPerSecond", BenchParts.round(rate), "ceilingDocsPerSecond", ceiling, "efficiency", BenchParts.round(efficiency),
                            "throttledShare", BenchParts.round(throttled), "calls", stats.batchCalls(), "elapsedSeconds", BenchParts.round(samples.get(samples.size() - 1)[0] / 1000.0),
                            "secondsTo90PercentOfCeiling", BenchParts.round(ramp), "hottestItemWritesPerSecond", hottest.writesPerSecond(),
                            "hottestItemWcuPerSecond", hottest.wcuPerSecond(), "hottestItem", String.valueOf(hottest.item())),
                    String.format("%.0f docs/s = %.3f of ceiling, 429s %.2f%%, 90%% of it after %.1f s", rate, efficiency, 100 * throttled, ramp),
                    String.format(">= %.2f, <= %.0f%% 429s", targetEfficiency, 100 * targetThrottleShare), pass);
            return rate;
        }
    }

    /**
     * The first minute (#21): seconds from the run's start (the planner has enqueued the shards, the fleet is
     * polling) until the rate over a sliding 3 s window first reaches {@code target} docs/s; -1 if it never does.
     */
    static double secondsTo(List<long[]> samples, double target) {
        for (int i = 0; i < samples.size(); i++) {
            long[] b = samples.get(i);
            for (int j = i - 1; j >= 0; j--) {
                long[] a = samples.get(j);
                if (b[0] - a[0] < 3_000) continue;
                if ((b[1] - a[1]) / ((b[0] - a[0]) / 1000.0) >= target) return b[0] / 1000.0;
                break;
            }
        }
        return -1;
    }

    /**
     * What keeping ingestion receipts costs the hot path: the 600/min ceiling run again without them (no report
     * bucket), in the same bench; the target is losing at most 2 % of ceiling efficiency (#20).
     */
    void receiptsCost(double withReceipts) throws Exception {
        double with = withReceipts > 0 ? withReceipts : ceiling("ceiling_600", 600, 600, 60_000, 0.95, 0.01);
        double without = ceiling("ceiling_600_no_receipts", 600, 600, 60_000, 0.95, 0.01, false);
        double ceiling = 600 / 60.0 * 100;
        double loss = (without - with) / ceiling;
        parts.record("receipts_cost", Map.of("rows", 60_000, "limitPerMinute", 600),
                Map.of("withReceiptsDocsPerSecond", BenchParts.round(with), "withoutReceiptsDocsPerSecond", BenchParts.round(without), "efficiencyLoss", BenchParts.round(loss)),
                String.format("%.0f docs/s with receipts, %.0f without: %.3f of ceiling lost", with, without, loss), "<= 0.02 lost", loss <= 0.02);
    }
}
