package com.synapbackfill.cli.bench;

import com.synapbackfill.cli.BackfillCommand;
import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.cli.LocalEventSourceMapping;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.EmulatorThroughput;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.limit.LimiterGate;
import com.synapbackfill.limit.LocalRateLimiter;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code backfill bench}: the project's performance targets as numbers, all parts local and embedded. Prints
 * a table and writes one JSON object per benchmark to {@code target/bench/results.json}.
 */
@Command(name = "bench", description = "Run the benchmarks (ceiling efficiency, baseline, cost per turn, cold start, planning scale, emulator).",
        footer = {"", "Examples:", "  backfill bench", "  backfill bench --only ceiling,coldstart"})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--only", split = ",", description = "run only these: ceiling (or ceiling3000, ceiling6000, ceiling900), receipts, faults, messages (with ceiling_600 to compare: the table, a query source, an epoch-time table with NULL keys), baseline, cost, coldstart, planning, planning50m (not in the default set: loads 50M rows, about 2 min), planningmessages (not in the default set: 10M messages, 1 %% without a conversation id), ledgerload (the ledger alone at 100, 500 and 1,000 steps/s through DynamoDB's per-item limits, this design and the one before #33), emulator")
    List<String> only;

    @Option(names = "--out", defaultValue = "target/bench/results.json", description = "results file (default ${DEFAULT-VALUE})")
    Path out;

    private final List<Map<String, Object>> results = new ArrayList<>();
    private RealParts.Postgres pg;

    boolean wanted(String name) {
        if (only == null) return !name.equals("planning50m") && !name.equals("planningmessages");
        return only.contains(name);
    }

    @Override
    public Integer call() throws Exception {
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MB max heap, Java " + System.getProperty("java.version");
        System.out.println("synap-backfill benchmarks on " + machine);
        pg = RealParts.postgres();
        if (wanted("emulator")) emulator();
        double pipeline600 = 0;
        if (wanted("ceiling") || wanted("baseline") || wanted("ceiling3000") || wanted("ceiling6000") || wanted("ceiling900") || wanted("receipts")
                || wanted("faults") || wanted("messages")) {
            SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "bench_turns",
                    SyntheticHistory.Options.of(150_000).withBadRowsPerKind(0));
        }
        // the message shape is measured against the turn shape of the same session (#29)
        if (wanted("ceiling") || wanted("messages")) {
            pipeline600 = ceilings().ceiling("ceiling_600", 600, 600, 60_000, 0.95, 0.01);
        }
        if (wanted("ceiling") || wanted("receipts")) ceilings().receiptsCost(pipeline600);
        if (wanted("ceiling") || wanted("ceiling3000")) ceilings().ceiling("ceiling_3000", 3000, 3000, 150_000, 0.95, 0.01);
        // a raised allocation (#21): 6,000/min = 10,000 docs/s, where the per-call ledger transaction, the limiter's
        // writes and the worker's CPU start to count
        if (wanted("ceiling") || wanted("ceiling6000")) ceilings().ceiling("ceiling_6000", 6000, 6000, 150_000, 0.90, 0.01);
        if (wanted("ceiling") || wanted("ceiling900")) ceilings().ceiling("ceiling_600_configured_900", 600, 900, 60_000, 0.85, 0.05);
        if (wanted("faults")) new FaultsBench(parts()).run();
        if (wanted("ledgerload")) LedgerLoad.bench(parts());
        if (wanted("messages")) {
            double turn = pipeline600 / (600 / 60.0 * 100);
            MessagesBench messages = new MessagesBench(parts());
            messages.load(100_000);
            for (String variant : List.of("table", "query", "epoch")) messages.ceiling(variant, turn);
        }
        if (wanted("baseline")) baseline(pipeline600);
        if (wanted("cost")) cost();
        if (wanted("coldstart")) new ColdStartBench(parts()).run();
        double planningHeap1m = 0;
        if (wanted("planning") || wanted("planning50m")) planningHeap1m = new PlanningBench(parts()).planning(1_000_000, "planning_10M_ids_10k_shards", "<= 15 s", 15, 0);
        if (wanted("planningmessages")) new PlanningBench(parts()).planningMessages(10_000_000);
        if (wanted("planning50m")) new PlanningBench(parts()).planning(50_000_000, "planning_50M_rows_skewed_ids",
                String.format("<= 30 s, live heap ~ 1M's (+%.0f MB)", planningHeap1m), 30, planningHeap1m);

        System.out.println();
        System.out.printf("%-28s %-52s %-24s %s%n", "benchmark", "figure", "target", "pass");
        for (Map<String, Object> r : results) {
            System.out.printf("%-28s %-52s %-24s %s%n", r.get("name"), r.get("summary"), r.get("target"), r.get("pass"));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", machine);
        doc.put("results", results);
        Files.writeString(out, Json.write(doc));
        System.out.println("results: " + out.toAbsolutePath());
        return BackfillCommand.OK;
    }

    void record(String name, Map<String, Object> params, Map<String, Object> figures, String summary, String target, Boolean pass) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("parameters", params);
        r.put("figures", figures);
        r.put("summary", summary);
        r.put("target", target);
        r.put("pass", pass == null ? "n/a" : pass);
        results.add(r);
        System.out.printf("  %-28s %s  [target %s: %s]%n", name, summary, target, pass == null ? "n/a" : pass ? "pass" : "FAIL");
    }

    private CeilingBench ceilings() {
        return new CeilingBench(parts());
    }

    /** What a benchmark in a class of its own needs of the harness. */
    private BenchParts parts() {
        return new BenchParts(this::record, pg);
    }

    private LocalEventSourceMapping fleet(LocalDeployment d, int workers) {
        return BenchParts.fleet(d, workers);
    }

    private Map<String, String> env(SynapEmulator emulator, String table) {
        return parts().env(emulator, table);
    }

    // ------------------------------------------------------------------ 2. baseline

    /** Synap's documented replay loop: one stream, batches of 50, each call awaited before the next. */
    private void baseline(double pipelineRate) throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600)
                .latency(Duration.ofMillis(150), Duration.ofMillis(400)).seed(11).build());
             JdbcTurnSource source = new JdbcTurnSource(new JdbcConnectionSettings(pg.jdbcUrl(), pg.user(), pg.password()),
                     SourceConfig.of("bench_turns"))) {
            RunConfig cfg = RunConfig.builder(SourceConfig.of("bench_turns")).batchSize(50).build();
            DocumentMapper mapper = new DocumentMapper(cfg, "baseline");
            OkHttpSynapApi api = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(),
                    SynapClientConfig.defaults(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY),
                    new LimiterGate(new LocalRateLimiter(600, 1, Clock.systemUTC()), RunConfig.RateLimitUnit.CALL, Clock.systemUTC()),
                    Sleeper.REAL, Clock.systemUTC());
            Shard all = new Shard("baseline", 0, "1", false, Long.toString(Long.MAX_VALUE), com.synapbackfill.model.IdType.BIGINT);
            long t0 = System.nanoTime();
            long sent = 0;
            String after = null;
            while (System.nanoTime() - t0 < 30_000_000_000L) {
                List<Turn> page = source.readPage(all, after, 50);
                List<MemoryDocument> docs = new ArrayList<>();
                for (Turn t : page) {
                    DocumentMapper.Mapped m = mapper.map(t);
                    if (m.ok()) docs.add(m.document());
                }
                api.batchCreate(docs);
                sent += page.size();
                after = page.get(page.size() - 1).id();
            }
            double rate = sent / ((System.nanoTime() - t0) / 1e9);
            double speedup = pipelineRate > 0 ? pipelineRate / rate : 0;
            record("baseline_replay_loop", Map.of("batch", 50, "streams", 1, "limitPerMinute", 600, "latency", "p50 150 ms / p95 400 ms"),
                    Map.of("docsPerSecond", round(rate), "pipelineDocsPerSecond", round(pipelineRate), "speedup", round(speedup)),
                    String.format("%.0f docs/s; pipeline %.1fx faster", rate, speedup), ">= 3.5x", pipelineRate > 0 ? speedup >= 3.5 : null);
        }
    }

    // ------------------------------------------------------------------ 3. cost per turn

    private void cost() throws Exception {
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "bench_cost", SyntheticHistory.Options.of(40_000).withBadRowsPerKind(0));
        // the first pass warms the JIT and is not recorded; then the two shard sizes
        for (int shardRows : new int[] {10_000, 2_000, 40_000}) {
            boolean warmup = shardRows == 10_000;
            try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
                Map<String, String> env = env(emulator, "bench_cost");
                env.put("RATE_LIMIT_PER_MINUTE", "1000000");
                env.put("SHARD_TARGET_ROWS", Integer.toString(shardRows));
                LocalDeployment d = LocalDeployment.create("bench-cost-" + shardRows + (warmup ? "w" : ""), RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
                PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
                String runId = "cost-" + shardRows + (warmup ? "-warmup" : "");
                var meter = d.aws().dynamoCapacity();
                var capacityBefore = meter.totals();
                double transactBefore = meter.byOperation().getOrDefault("TransactWriteItems", 0.0);
                planner.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
                LocalEventSourceMapping esm = fleet(d, 1);
                long rows;
                try {
                    while (!planner.status(runId).done()) Thread.sleep(100);
                    rows = planner.status(runId).counters().rowsRead();
                } finally {
                    esm.close();
                }
                if (warmup) continue;
                double cpuMsPer1000 = esm.workerCpuNanos() / 1e6 / rows * 1000;
                double allocKbPerTurn = esm.workerAllocatedBytes() / 1024.0 / rows;
                record("cost_per_turn_shard_" + shardRows, Map.of("rows", rows, "shardRows", shardRows, "workers", 1,
                                "emulator", "zero latency, unlimited"),
                        Map.of("workerCpuMsPer1000Turns", round(cpuMsPer1000), "allocatedKiBPerTurn", round(allocKbPerTurn)),
                        String.format("%.1f ms CPU / 1000 turns, %.1f KiB allocated / turn", cpuMsPer1000, allocKbPerTurn),
                        "<= 20 ms / 1000 turns", cpuMsPer1000 <= 20);
                // the ledger's and the limiter's request units, from DynamoDB's own answers (planner + workers; the
                // reads include this loop's status polls). DynamoDB Local answers 1 unit per transactional item
                // where AWS charges 2: the AWS figure adds the transactions' units once more. The failed calls (condition
                // failures, cancelled transactions, throttles) answer no units; their count is printed.
                var used = meter.totals().minus(capacityBefore);
                double transact = meter.byOperation().getOrDefault("TransactWriteItems", 0.0) - transactBefore;
                double perMillion = 1e6 / rows;
                double awsWrites = (used.writeUnits() + transact) * perMillion;
                double awsReads = used.readUnits() * perMillion;
                double dollars = awsWrites / 1e6 * com.synapbackfill.config.DynamoDbCapacity.USD_PER_MILLION_WRITE_UNITS
                        + awsReads / 1e6 * com.synapbackfill.config.DynamoDbCapacity.USD_PER_MILLION_READ_UNITS;
                record("dynamodb_units_shard_" + shardRows, Map.of("rows", rows, "shardRows", shardRows, "batchSize", 100),
                        Map.of("writeUnitsPer1MTurnsLocal", Math.round(used.writeUnits() * perMillion),
                                "writeUnitsPer1MTurnsAws", Math.round(awsWrites), "readUnitsPer1MTurns", Math.round(awsReads),
                                "usdPer1MTurnsOnDemand", round(dollars), "failedConditionCallsPer1MTurns", Math.round(used.failedCalls() * perMillion)),
                        String.format("%,.0f WRU + %,.0f RRU / 1M turns = $%.3f on demand", awsWrites, awsReads, dollars),
                        "printed, <= 70,000 WRU", awsWrites <= 70_000);
            }
        }
    }

    // ------------------------------------------------------------------ 6. the emulator itself

    private void emulator() throws Exception {
        EmulatorThroughput.Result r = EmulatorThroughput.measure(8, Duration.ofSeconds(3), Duration.ofSeconds(10));
        record("emulator_throughput", Map.of("clients", 8, "documentsPerCall", 100, "latency", "none"),
                Map.of("callsPerSecond", round(r.callsPerSecond())), String.format("%.0f batch calls/s", r.callsPerSecond()),
                ">= 500 calls/s", r.callsPerSecond() >= 500);
    }

    private static double round(double v) {
        return BenchParts.round(v);
    }
}
