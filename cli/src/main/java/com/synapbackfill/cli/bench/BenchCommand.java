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
import com.synapbackfill.planner.PlannerResults;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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
    @Option(names = "--only", split = ",", description = "run only these: ceiling (or ceiling3000, ceiling6000, ceiling900), receipts, faults, messages (with ceiling_600 to compare: the table, a query source, an epoch-time table with NULL keys), baseline, cost, coldstart, planning, planning50m (not in the default set: loads 50M rows, about 2 min), planningmessages (not in the default set: 10M messages, 1 % without a conversation id), ledgerload (the ledger alone at 100, 500 and 1,000 steps/s through DynamoDB's per-item limits, this design and the one before #33), emulator")
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
            pipeline600 = ceiling("ceiling_600", 600, 600, 60_000, 0.95, 0.01);
        }
        if (wanted("ceiling") || wanted("receipts")) receiptsCost(pipeline600);
        if (wanted("ceiling") || wanted("ceiling3000")) ceiling("ceiling_3000", 3000, 3000, 150_000, 0.95, 0.01);
        // a raised allocation (#21): 6,000/min = 10,000 docs/s, where the per-call ledger transaction, the limiter's
        // writes and the worker's CPU start to count
        if (wanted("ceiling") || wanted("ceiling6000")) ceiling("ceiling_6000", 6000, 6000, 150_000, 0.90, 0.01);
        if (wanted("ceiling") || wanted("ceiling900")) ceiling("ceiling_600_configured_900", 600, 900, 60_000, 0.85, 0.05);
        if (wanted("faults")) new FaultsBench(parts()).run();
        if (wanted("ledgerload")) LedgerLoad.bench(parts());
        if (wanted("messages")) {
            double turn = pipeline600 / (600 / 60.0 * 100);
            loadMessages(100_000);
            for (String variant : List.of("table", "query", "epoch")) messagesCeiling(variant, turn);
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

    // ------------------------------------------------------------------ 1. ceiling efficiency

    private double ceiling(String name, int emulatorLimit, int configuredLimit, int rows, double targetEfficiency,
                           double targetThrottleShare) throws Exception {
        return ceiling(name, emulatorLimit, configuredLimit, rows, targetEfficiency, targetThrottleShare, true);
    }

    /** @param receipts whether the workers keep ingestion receipts (in s3mock, as a deployed stack in S3) */
    private double ceiling(String name, int emulatorLimit, int configuredLimit, int rows, double targetEfficiency,
                           double targetThrottleShare, boolean receipts) throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(emulatorLimit)
                .latency(Duration.ofMillis(150), Duration.ofMillis(400)).seed(11).build())) {
            Map<String, String> env = env(emulator, "bench_turns");
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
            try (LocalEventSourceMapping esm = fleet(d, workers)) {
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
            record(name, Map.of("rows", rows, "emulatorLimitPerMinute", emulatorLimit, "configuredLimitPerMinute", configuredLimit,
                            "workers", workers, "latency", "p50 150 ms / p95 400 ms", "receipts", receipts),
                    Map.of("docsPerSecond", round(rate), "ceilingDocsPerSecond", ceiling, "efficiency", round(efficiency),
                            "throttledShare", round(throttled), "calls", stats.batchCalls(), "elapsedSeconds", round(samples.get(samples.size() - 1)[0] / 1000.0),
                            "secondsTo90PercentOfCeiling", round(ramp), "hottestItemWritesPerSecond", hottest.writesPerSecond(),
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
    private void receiptsCost(double withReceipts) throws Exception {
        double with = withReceipts > 0 ? withReceipts : ceiling("ceiling_600", 600, 600, 60_000, 0.95, 0.01);
        double without = ceiling("ceiling_600_no_receipts", 600, 600, 60_000, 0.95, 0.01, false);
        double ceiling = 600 / 60.0 * 100;
        double loss = (without - with) / ceiling;
        record("receipts_cost", Map.of("rows", 60_000, "limitPerMinute", 600),
                Map.of("withReceiptsDocsPerSecond", round(with), "withoutReceiptsDocsPerSecond", round(without), "efficiencyLoss", round(loss)),
                String.format("%.0f docs/s with receipts, %.0f without: %.3f of ceiling lost", with, without, loss), "<= 0.02 lost", loss <= 0.02);
    }

    /**
     * The message shape at the 600/min ceiling: 100,000 messages (20 per conversation, one system message each,
     * JSON parts) paired into turns and sent; its efficiency beside the turn shape's of the same run (target
     * at least 0.9 of it).
     */
    private int benchMessages;

    /**
     * bench_messages (timestamptz) and bench_messages_epoch (the same rows, created_at as bigint epoch seconds, and 1 % of
     * them without a conversation id, as LobeChat keeps them): the message-shape runs read one or the other.
     */
    private void loadMessages(int messages) throws Exception {
        benchMessages = messages;
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS bench_messages");
            st.execute("CREATE TABLE bench_messages AS SELECT g AS id, g / 20 AS conversation_id, "
                    + "CASE WHEN g % 20 = 0 THEN 'system' WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END AS role, "
                    + "jsonb_build_object('parts', jsonb_build_array(jsonb_build_object('type', 'reasoning', 'text', 'hmm'), "
                    + "jsonb_build_object('type', 'text', 'text', 'message ' || g || ' ' || repeat('lorem ipsum ', 20 + g % 40)))) AS body, "
                    + "'user-' || (g / 20 % 500) AS user_id, timestamptz '2025-01-01' + g * interval '1 second' AS created_at "
                    + "FROM generate_series(1, " + messages + ") g");
            st.execute("ALTER TABLE bench_messages ADD PRIMARY KEY (id)");
            st.execute("CREATE INDEX bench_messages_page ON bench_messages (conversation_id, created_at, id)");
            st.execute("ANALYZE bench_messages");
            st.execute("DROP TABLE IF EXISTS bench_messages_epoch");
            st.execute("CREATE TABLE bench_messages_epoch AS SELECT id, CASE WHEN id % 100 = 7 THEN NULL ELSE conversation_id END "
                    + "AS conversation_id, role, body, user_id, extract(epoch FROM created_at)::bigint AS created_at FROM bench_messages");
            st.execute("ALTER TABLE bench_messages_epoch ADD PRIMARY KEY (id)");
            st.execute("CREATE INDEX bench_messages_epoch_page ON bench_messages_epoch (conversation_id, created_at, id)");
            st.execute("ANALYZE bench_messages_epoch");
        }
    }

    /**
     * The message shape at 600 requests/min against the turn shape's efficiency of the same session (#29): read from the
     * table, through a query source over it, and from the epoch-time table with NULL conversation ids.
     */
    private void messagesCeiling(String variant, double turnEfficiency) throws Exception {
        int messages = benchMessages;
        String table = variant.equals("epoch") ? "bench_messages_epoch" : "bench_messages";
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600)
                .latency(Duration.ofMillis(150), Duration.ofMillis(400)).seed(11).build())) {
            Map<String, String> env = env(emulator, table);
            if (variant.equals("query")) {
                env.remove("SOURCE_TABLE");
                env.put("SOURCE_QUERY", "SELECT id, conversation_id, role, body, user_id, created_at FROM bench_messages");
            }
            env.put("SOURCE_SHAPE", "messages");
            env.put("SOURCE_COLUMNS", "text=body#/parts");
            env.put("RATE_LIMIT_PER_MINUTE", "600");
            env.put("SHARD_TARGET_ROWS", Integer.toString(messages / 40));
            LocalDeployment d = LocalDeployment.create("bench-messages-" + variant, RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
            String runId = "ceiling-messages-600-" + variant;
            PlannerResults.Start start = planner.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
            double ceiling = 600 / 60.0 * 100;
            List<long[]> samples = new ArrayList<>();
            long t0 = System.currentTimeMillis();
            int workers = Integer.getInteger("bench.workers", start.recommendedConcurrency());
            PlannerResults.Status last;
            try (LocalEventSourceMapping esm = fleet(d, workers)) {
                while (true) {
                    last = planner.status(runId);
                    samples.add(new long[] {System.currentTimeMillis() - t0, last.counters().accepted() + last.counters().alreadyPresent()});
                    if (last.done() || System.currentTimeMillis() - t0 > 600_000) break;
                    Thread.sleep(250);
                }
            }
            long documents = last.counters().accepted() + last.counters().alreadyPresent();
            long withoutKey = last.counters().withoutConversation();
            long[] from = samples.stream().filter(x -> x[0] >= 10_000).findFirst().orElse(samples.get(0));
            long[] to = samples.stream().filter(x -> x[1] >= documents * 0.9).findFirst().orElse(samples.get(samples.size() - 1));
            double rate = (to[1] - from[1]) / Math.max(0.001, (to[0] - from[0]) / 1000.0);
            double efficiency = rate / ceiling;
            double ratio = turnEfficiency > 0 ? efficiency / turnEfficiency : 0;
            var stats = emulator.stats();
            record(variant.equals("table") ? "ceiling_600_messages" : "ceiling_600_messages_" + variant, Map.of("messages", messages,
                            "messagesPerConversation", 20, "workers", workers, "emulatorLimitPerMinute", 600, "latency", "p50 150 ms / p95 400 ms",
                            "source", variant.equals("query") ? "a query over bench_messages" : table,
                            "createdAt", variant.equals("epoch") ? "bigint epoch seconds, 1 % NULL conversation ids" : "timestamptz"),
                    Map.of("docsPerSecond", round(rate), "ceilingDocsPerSecond", ceiling, "efficiency", round(efficiency),
                            "turnShapeEfficiency", round(turnEfficiency), "ratioToTurnShape", round(ratio), "turns", documents,
                            "messagesRead", last.counters().messages(), "withoutConversation", withoutKey, "calls", stats.batchCalls(),
                            "elapsedSeconds", round(samples.get(samples.size() - 1)[0] / 1000.0)),
                    String.format("%.0f docs/s = %.3f of ceiling, %s", rate, efficiency,
                            turnEfficiency > 0 ? String.format("%.2f of the turn shape's %.3f", ratio, turnEfficiency) : "turn shape not run"),
                    ">= 0.95 of the turn shape", turnEfficiency > 0 ? ratio >= 0.95 && last.counters().messages() == messages : null);
        }
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
