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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code bench --only messages}: the message shape (a table, a query, epoch times with NULL keys) against the turn shape. */
final class MessagesBench {
    private final BenchParts parts;

    /**
     * The message shape at the 600/min ceiling: 100,000 messages (20 per conversation, one system message each,
     * JSON parts) paired into turns and sent; its efficiency beside the turn shape's of the same run (target
     * at least 0.9 of it).
     */
    private int benchMessages;

    MessagesBench(BenchParts parts) {
        this.parts = parts;
    }

    /**
     * bench_messages (timestamptz) and bench_messages_epoch (the same rows, created_at as bigint epoch seconds, and 1 % of
     * them without a conversation id, as LobeChat keeps them): the message-shape runs read one or the other.
     */
    void load(int messages) throws Exception {
        benchMessages = messages;
        try (Connection c = DriverManager.getConnection(parts.pg().jdbcUrl(), parts.pg().user(), parts.pg().password()); Statement st = c.createStatement()) {
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
    void ceiling(String variant, double turnEfficiency) throws Exception {
        int messages = benchMessages;
        String table = variant.equals("epoch") ? "bench_messages_epoch" : "bench_messages";
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600)
                .latency(Duration.ofMillis(150), Duration.ofMillis(400)).seed(11).build())) {
            Map<String, String> env = parts.env(emulator, table);
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
            try (LocalEventSourceMapping esm = BenchParts.fleet(d, workers)) {
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
            parts.record(variant.equals("table") ? "ceiling_600_messages" : "ceiling_600_messages_" + variant, Map.of("messages", messages,
                            "messagesPerConversation", 20, "workers", workers, "emulatorLimitPerMinute", 600, "latency", "p50 150 ms / p95 400 ms",
                            "source", variant.equals("query") ? "a query over bench_messages" : table,
                            "createdAt", variant.equals("epoch") ? "bigint epoch seconds, 1 % NULL conversation ids" : "timestamptz"),
                    Map.of("docsPerSecond", BenchParts.round(rate), "ceilingDocsPerSecond", ceiling, "efficiency", BenchParts.round(efficiency),
                            "turnShapeEfficiency", BenchParts.round(turnEfficiency), "ratioToTurnShape", BenchParts.round(ratio), "turns", documents,
                            "messagesRead", last.counters().messages(), "withoutConversation", withoutKey, "calls", stats.batchCalls(),
                            "elapsedSeconds", BenchParts.round(samples.get(samples.size() - 1)[0] / 1000.0)),
                    String.format("%.0f docs/s = %.3f of ceiling, %s", rate, efficiency,
                            turnEfficiency > 0 ? String.format("%.2f of the turn shape's %.3f", ratio, turnEfficiency) : "turn shape not run"),
                    ">= 0.95 of the turn shape", turnEfficiency > 0 ? ratio >= 0.95 && last.counters().messages() == messages : null);
        }
    }
}
