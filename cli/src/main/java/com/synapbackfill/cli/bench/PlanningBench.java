package com.synapbackfill.cli.bench;

import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.planner.PlannerService;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;

/** {@code bench --only planning, planning50m, planningmessages}: how long planning a large table takes, and the heap it holds. */
final class PlanningBench {
    private final BenchParts parts;

    PlanningBench(BenchParts parts) {
        this.parts = parts;
    }

    // ------------------------------------------------------------------ 5. planning scale

    /**
     * Planning scale: 1,000,000 rows (ids every 10th), and for {@code planning50m} (#21) 50,000,000 rows with sparse,
     * skewed ids (80 % of the rows dense at the start of the id space, the rest 400 apart), both into 10,000 shards
     * so time and heap compare. Returns the peak live heap above the start, MB; {@code flatAgainstMb} (when > 0) is
     * the 1,000,000-row run's, which this one's must stay within 1.5× (+50 MB) of to pass.
     */
    double planning(int rows, String name, String target, double targetSeconds, double flatAgainstMb) throws Exception {
        boolean skewed = rows > 1_000_000;
        String table = skewed ? "bench_plan_big" : "bench_plan";
        long tLoad = System.nanoTime();
        try (Connection c = DriverManager.getConnection(parts.pg().jdbcUrl(), parts.pg().user(), parts.pg().password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE UNLOGGED TABLE " + table + " (id bigint NOT NULL, user_id text, customer_id text, conversation_id text, "
                    + "message_index int, user_text text, assistant_text text, created_at timestamptz)");
            long dense = rows * 8L / 10;
            String id = skewed ? "CASE WHEN g <= " + dense + " THEN g * 2 ELSE " + (2 * dense) + " + (g - " + dense + ") * 400 END" : "g * 10";
            st.execute("INSERT INTO " + table + " SELECT " + id + ", 'u', 'c', 'conv', 0, 'q', 'a', now() FROM generate_series(1::bigint, " + rows + ") g");
            st.execute("ALTER TABLE " + table + " ADD PRIMARY KEY (id)");
            st.execute("ANALYZE " + table);
        }
        double loadSeconds = (System.nanoTime() - tLoad) / 1e9;
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().build())) {
            Map<String, String> env = parts.env(emulator, table);
            env.put("SHARD_TARGET_ROWS", Integer.toString(rows / 10_000));
            LocalDeployment d = LocalDeployment.create("bench-plan-" + rows, RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
            System.gc();
            long heapBefore = usedHeap();
            PeakHeap peak = PeakHeap.start();
            long t0 = System.nanoTime();
            PlannerResults.Start s = planner.start(PlannerRequest.of(PlannerRequest.Action.START, "plan-scale-" + rows));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long heapAfter = usedHeap();
            double peakMb = (peak.stop() - heapBefore) / 1e6;
            // the same plan again (another run id), this time with a full collection every 200 ms: the highest heap
            // still in use after one is what planning holds (the first run's peak counts garbage a 5 GB heap has
            // not collected yet); not timed, the collections slow it
            System.gc();
            long liveBefore = usedHeap();
            PeakHeap live = PeakHeap.startCollecting();
            planner.start(PlannerRequest.of(PlannerRequest.Action.START, "plan-scale-live-" + rows));
            double liveMb = Math.max(0, live.stop() - liveBefore) / 1e6;
            parts.record(name, Map.of("ids", skewed ? "80 % dense (every 2nd), 20 % 400 apart" : "10..10,000,000 (every 10th)", "rows", rows,
                            "shardTargetRows", rows / 10_000, "tableLoadSeconds", BenchParts.round(loadSeconds)),
                    Map.of("seconds", BenchParts.round(seconds), "shards", s.shards(), "heapDeltaMB", BenchParts.round((heapAfter - heapBefore) / 1e6),
                            "peakHeapAboveStartMB", BenchParts.round(peakMb), "peakLiveHeapAboveStartMB", BenchParts.round(liveMb),
                            "liveSamples", live.samples()),
                    String.format("%d shards in %.1f s, peak heap +%.0f MB, live +%.0f MB", s.shards(), seconds, peakMb, liveMb), target,
                    seconds <= targetSeconds && s.shards() >= 9_000 && (flatAgainstMb <= 0 || liveMb <= 1.5 * flatAgainstMb + 50));
            return liveMb;
        }
    }

    /**
     * Planning a message table of {@code messages} rows, 20 a conversation, 1 % of them without a conversation id (#29): the
     * planner reads the conversation-key bounds, samples keys, and counts the keyless messages (skipped, never lost); it
     * must take seconds, not minutes. The index the README recommends for paging is there, as it would be in production.
     */
    void planningMessages(int messages) throws Exception {
        long tLoad = System.nanoTime();
        try (Connection c = DriverManager.getConnection(parts.pg().jdbcUrl(), parts.pg().user(), parts.pg().password()); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS bench_plan_messages");
            st.execute("CREATE UNLOGGED TABLE bench_plan_messages AS SELECT g AS id, CASE WHEN g % 100 = 7 THEN NULL ELSE g / 20 END "
                    + "AS conversation_id, CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END AS role, 'm' AS content, 'u' AS user_id, "
                    + "timestamptz '2025-01-01' + g * interval '1 second' AS created_at FROM generate_series(1::bigint, " + messages + ") g");
            st.execute("ALTER TABLE bench_plan_messages ADD PRIMARY KEY (id)");
            st.execute("CREATE INDEX bench_plan_messages_page ON bench_plan_messages (conversation_id, created_at, id)");
            st.execute("ANALYZE bench_plan_messages");
        }
        double loadSeconds = (System.nanoTime() - tLoad) / 1e9;
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().build())) {
            Map<String, String> env = parts.env(emulator, "bench_plan_messages");
            env.put("SOURCE_SHAPE", "messages");
            env.put("SHARD_TARGET_ROWS", Integer.toString(messages / 1_000));
            LocalDeployment d = LocalDeployment.create("bench-plan-messages", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
            long t0 = System.nanoTime();
            PlannerResults.Start s = planner.start(PlannerRequest.of(PlannerRequest.Action.START, "plan-messages-" + messages));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long withoutKey = planner.status(s.runId()).counters().withoutConversation();
            parts.record("planning_10M_messages_null_keys", Map.of("messages", messages, "messagesPerConversation", 20,
                            "withoutConversationId", "1 %", "shardTargetRows", messages / 1_000, "tableLoadSeconds", BenchParts.round(loadSeconds)),
                    Map.of("seconds", BenchParts.round(seconds), "shards", s.shards(), "withoutConversation", withoutKey),
                    String.format("%d shards in %.1f s, %,d messages without a conversation id counted", s.shards(), seconds, withoutKey),
                    "<= 30 s, the keyless counted", seconds <= 30 && withoutKey == messages / 100);
        }
    }

    /**
     * The highest used heap seen while planning, sampled on a daemon thread: every 20 ms as it is ({@link #start}),
     * or right after a full collection every 200 ms ({@link #startCollecting}: the live set, garbage excluded).
     */
    private static final class PeakHeap {
        private volatile boolean running = true;
        private volatile long peak;
        private volatile int samples;
        private Thread thread;

        static PeakHeap start() {
            return start(false, 20);
        }

        static PeakHeap startCollecting() {
            return start(true, 200);
        }

        int samples() {
            return samples;
        }

        private static PeakHeap start(boolean collect, long everyMillis) {
            PeakHeap p = new PeakHeap();
            p.peak = usedHeap();
            p.thread = new Thread(() -> {
                while (p.running) {
                    if (collect) System.gc();
                    p.peak = Math.max(p.peak, usedHeap());
                    p.samples++;
                    try {
                        Thread.sleep(everyMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-peak-heap");
            p.thread.setDaemon(true);
            p.thread.start();
            return p;
        }

        long stop() throws InterruptedException {
            running = false;
            thread.join();
            return Math.max(peak, usedHeap());
        }
    }

    private static long usedHeap() {
        var m = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return m.getUsed();
    }
}
