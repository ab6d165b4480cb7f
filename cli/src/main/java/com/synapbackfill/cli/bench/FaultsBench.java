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

/** {@code bench --only faults}: goodput under 503s and dropped connections, as a share of clean runs in the same bench. */
final class FaultsBench {
    private final BenchParts parts;

    FaultsBench(BenchParts parts) {
        this.parts = parts;
    }

    /**
     * Goodput under faults (#21): 30,000 turns, a Synap with 30 ms latency and no rate limit (the run's limit far
     * above what the fleet reaches, so the workers are latency-bound), 8 workers; clean, then 5 % of calls
     * answered 503, then 2 % of connections dropped, each as a share of the clean run in the same bench.
     */
    void run() throws Exception {
        int rows = 100_000;
        int workers = Integer.getInteger("bench.faultWorkers", 8);
        EmulatorSettings.Faults f503 = new EmulatorSettings.Faults(0, 0.05, 0, 0, Duration.ofSeconds(3), 0, 0, 0, Duration.ZERO);
        EmulatorSettings.Faults drops = new EmulatorSettings.Faults(0, 0, 0.02, 0, Duration.ofSeconds(3), 0, 0, 0, Duration.ZERO);
        // JIT, DynamoDB Local and the pools warm up over the first runs (clean runs went 2,900 → 4,500 docs/s): two
        // warm-ups, then each kind twice, interleaved, so drift falls on every kind alike
        goodput("faults_warmup", EmulatorSettings.Faults.NONE, rows, workers);
        goodput("faults_warmup_2", f503, rows, workers);
        double[][] runs = new double[6][];
        for (int round = 0; round < 2; round++) {
            runs[round * 3] = goodput("faults_clean_" + round, EmulatorSettings.Faults.NONE, rows, workers);
            runs[round * 3 + 1] = goodput("faults_503_" + round, f503, rows, workers);
            runs[round * 3 + 2] = goodput("faults_dropped_" + round, drops, rows, workers);
        }
        double[] clean1 = runs[0];
        double[] clean2 = runs[3];
        double[] with503 = {(runs[1][0] + runs[4][0]) / 2, runs[1][1] + runs[4][1]};
        double[] dropped = {(runs[2][0] + runs[5][0]) / 2, runs[2][1] + runs[5][1]};
        double clean = (clean1[0] + clean2[0]) / 2;
        for (Object[] f : new Object[][] {{"goodput_503", "5 % 503", with503}, {"goodput_dropped", "2 % dropped connections", dropped}}) {
            double[] r = (double[]) f[2];
            parts.record((String) f[0], Map.of("rows", rows, "workers", workers, "latencyMs", 30, "faults", f[1]),
                    Map.of("cleanDocsPerSecond", BenchParts.round(clean), "docsPerSecond", BenchParts.round(r[0]), "share", BenchParts.round(r[0] / clean), "retriedCalls", (long) r[1],
                            "cleanRuns", List.of(BenchParts.round(clean1[0]), BenchParts.round(clean2[0]))),
                    String.format("%.0f docs/s vs %.0f clean = %.3f (%d calls retried)", r[0], clean, r[0] / clean, (long) r[1]),
                    ">= 0.90 of clean", r[0] / clean >= 0.90);
        }
    }

    /** One run for {@link #faults}: docs/s between 10 % and 90 % of the rows, and the calls Synap saw beyond the answered ones. */
    private double[] goodput(String name, EmulatorSettings.Faults faults, int rows, int workers) throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .latency(Duration.ofMillis(30), Duration.ofMillis(30)).faults(faults).seed(11).build())) {
            Map<String, String> env = parts.env(emulator, "bench_turns");
            env.put("RATE_LIMIT_PER_MINUTE", "1000000");
            env.put("SOURCE_TO_ID", Integer.toString(rows));
            env.put("SHARD_TARGET_ROWS", Integer.toString(Math.max(1000, rows / 40)));
            env.put("SYNAP_READ_TIMEOUT_MS", "2000");
            LocalDeployment d = LocalDeployment.create("bench-" + name.replace('_', '-'), RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
            String runId = name.replace('_', '-');
            planner.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
            long t0 = System.currentTimeMillis();
            List<long[]> samples = new ArrayList<>();
            PlannerResults.Status s;
            try (LocalEventSourceMapping esm = BenchParts.fleet(d, workers)) {
                do {
                    Thread.sleep(200);
                    s = planner.status(runId);
                    samples.add(new long[] {System.currentTimeMillis() - t0, s.counters().handled()});
                } while (!s.done() && System.currentTimeMillis() - t0 < 600_000);
            }
            long[] from = samples.stream().filter(x -> x[1] >= rows * 0.1).findFirst().orElse(samples.get(0));
            long[] to = samples.stream().filter(x -> x[1] >= rows * 0.9).findFirst().orElse(samples.get(samples.size() - 1));
            double rate = (to[1] - from[1]) / Math.max(0.001, (to[0] - from[0]) / 1000.0);
            var stats = emulator.stats();
            long retried = Math.max(0, stats.batchCalls() - s.counters().calls());
            System.out.printf("  %-28s %,d docs in %.1f s, %.0f docs/s between 10 %% and 90 %%; Synap saw %,d batch calls for %,d answered "
                            + "(503s %,d, dropped %,d)%n", name, s.counters().handled(), samples.get(samples.size() - 1)[0] / 1000.0, rate,
                    stats.batchCalls(), s.counters().calls(), stats.status(503), stats.dropped());
            return new double[] {rate, retried};
        }
    }
}
