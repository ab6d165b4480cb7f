package com.synapbackfill.cli;

import com.synapbackfill.json.Json;
import com.synapbackfill.limit.LimiterGate;
import com.synapbackfill.limit.LocalRateLimiter;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.Turn;
import com.synapbackfill.planner.ConcurrencyTuner;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceProfile;
import com.synapbackfill.synap.BatchResult;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backfill estimate}: before a long run, renders and validates a sample of the table without sending
 * anything (bad rows by reason, document sizes), optionally sends a few real documents to measure latency,
 * and projects duration, calls and concurrency for the whole table at the configured rate limit.
 */
@Command(name = "estimate", description = "Sample the table, validate documents without sending, and project the run.",
        footer = {"", "--send N sends N real documents (they are real memories; the backfill later counts them as already present).",
                "", "Examples:", "  SOURCE_DB_PASSWORD=... backfill estimate --jdbc-url jdbc:postgresql://db:5432/app --db-user r --table turns",
                "  SOURCE_DB_PASSWORD=... backfill estimate --jdbc-url jdbc:mysql://db:3306/app --db-user r --table chat_log \\",
                "      --column id=pk --column createdAt=sent_at --filter \"deleted_at IS NULL\" --timestamp-zone Europe/Berlin",
                "  SYNAP_API_KEY=... backfill estimate ... --sample 20000 --send 300 --rate-limit 600"})
final class EstimateCommand implements Callable<Integer> {
    @Option(names = "--jdbc-url", required = true, description = "source database") String jdbcUrl;
    @Option(names = "--db-user", required = true, description = "database user (password from SOURCE_DB_PASSWORD)") String dbUser;
    /** Every source flag a run takes, with the same meaning (--table or --query, --column, --filter, --from-id, ...). */
    @Mixin RunSettingsOptions contract;
    @Option(names = "--sample", defaultValue = "5000", description = "rows to sample, spread over the id range (default ${DEFAULT-VALUE})") int sample;
    @Option(names = "--send", defaultValue = "0", description = "real documents to send to measure latency (default 0)") int send;
    @Option(names = "--synap-url", description = "Synap base URL (env SYNAP_BASE_URL; default the production API)") String synapUrl;
    int rateLimit;
    int batchSize;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (sample < 1) throw new IllegalArgumentException("--sample: must be >= 1, was " + sample);
        if (send < 0) throw new IllegalArgumentException("--send: must be >= 0, was " + send);
        CliConfig c = CliConfig.load(null, System.getenv()).withPreset(contract.preset);
        // as run reads it: the flag, the config file, SYNAP_BASE_URL, else production
        String url = c.pick(synapUrl, "synapUrl", "SYNAP_BASE_URL");
        SynapClientConfig.requireSecure(synapUrl != null ? "--synap-url" : "SYNAP_BASE_URL", url,
                Boolean.parseBoolean(c.env("SYNAP_ALLOW_PLAIN_HTTP")));
        synapUrl = url == null ? SynapClientConfig.DEFAULT_BASE_URL : url;
        rateLimit = contract.rateLimit == null ? 600 : contract.rateLimit;
        batchSize = contract.batchSize == null ? 100 : contract.batchSize;
        String tableName = contract.query(c) != null ? null : contract.tableName(c);
        SourceConfig source = contract.source(c, tableName, c.pick(contract.timestampZone, "timestampZone", null));
        if (source.messageShape()) return estimateMessages(out, source);
        RunConfig cfg = RunConfig.builder(source).batchSize(batchSize).rateLimitPerMinute(rateLimit).build();
        DocumentMapper mapper = new DocumentMapper(cfg, "estimate");
        Map<String, Long> bad = new TreeMap<>();
        List<MemoryDocument> valid = new ArrayList<>();
        long docBytes = 0;
        long sampled = 0;
        long skipped = 0;
        SourceProfile profile;
        boolean customerMapped;
        try (JdbcTurnSource src = new JdbcTurnSource(new JdbcConnectionSettings(jdbcUrl, dbUser, System.getenv("SOURCE_DB_PASSWORD")), source)) {
            profile = src.profile();
            customerMapped = src.customerMapped();
            if (profile.empty()) {
                out.println("The table is empty: a run would complete at once.");
                return BackfillCommand.OK;
            }
            List<String> ids = src.sampleIds(sample);
            if (ids.size() > sample) {
                List<String> spread = new ArrayList<>(sample);
                for (int i = 0; i < sample; i++) spread.add(ids.get((int) ((long) i * ids.size() / sample)));
                ids = spread;
            }
            for (int i = 0; i < ids.size(); i += 1000) {
                for (Turn t : src.readByIds(ids.subList(i, Math.min(ids.size(), i + 1000)))) {
                    sampled++;
                    if (t.skipped()) {
                        skipped++;
                        continue;
                    }
                    DocumentMapper.Mapped m = mapper.map(t);
                    if (m.ok()) {
                        docBytes += Json.writeBytes(m.document()).length;
                        if (valid.size() < send) valid.add(m.document());
                    } else {
                        bad.merge(m.reason().errorClass(), 1L, Long::sum);
                    }
                }
            }
        }
        long badCount = bad.values().stream().mapToLong(Long::longValue).sum();
        double validShare = sampled == 0 ? 0 : (double) (sampled - skipped - badCount) / sampled;
        out.printf("Table %s: ~%,d rows (statistics), ids %s..%s (%s); sampled %,d rows%n", source.name(), profile.estimatedRows(),
                profile.minId(), profile.maxId(), profile.idType(), sampled);
        if (skipped > 0) out.printf("  skipped %,d (%.1f%%) by the filter or cutover%n", skipped, 100.0 * skipped / sampled);
        long validRows = sampled - skipped - badCount;
        out.printf("  valid %,d (%.1f%%), average document %,d bytes%n", validRows, 100 * validShare, validRows == 0 ? 0 : docBytes / validRows);
        bad.forEach((reason, n) -> out.printf("  %-36s %,8d%n", reason, n));

        double latency = 0.5;
        if (send > 0) {
            String key = System.getenv("SYNAP_API_KEY");
            if (key == null || key.isBlank()) throw new IllegalArgumentException("SYNAP_API_KEY: is required with --send");
            OkHttpSynapApi api = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), SynapClientConfig.defaults(synapUrl, key),
                    new LimiterGate(new LocalRateLimiter(rateLimit, 1, Clock.systemUTC()), RunConfig.RateLimitUnit.CALL, Clock.systemUTC()),
                    Sleeper.REAL, Clock.systemUTC());
            List<Long> latencies = new ArrayList<>();
            long accepted = 0;
            long present = 0;
            long failed = 0;
            for (int i = 0; i < valid.size(); i += batchSize) {
                BatchResult r = api.batchCreate(valid.subList(i, Math.min(valid.size(), i + batchSize)));
                latencies.add(r.latencyMillis());
                for (BatchResult.ItemResult item : r.results()) {
                    if (!item.failed()) accepted++;
                    else if (item.duplicate()) present++;
                    else failed++;
                }
            }
            latencies.sort(Long::compare);
            long p50 = latencies.get(latencies.size() / 2);
            long p95 = latencies.get(Math.min(latencies.size() - 1, (int) Math.ceil(latencies.size() * 0.95) - 1));
            latency = p95 / 1000.0;
            out.printf("  sent %d documents in %d calls: accepted %d, already present %d, failed %d; latency p50 %d ms, p95 %d ms%n",
                    valid.size(), latencies.size(), accepted, present, failed, p50, p95);
        }
        long rows = profile.estimatedRows();
        project(out, rows * validShare, latency, cfg, rows);
        return credits(out, cfg, (long) Math.ceil(rows * validShare), customerMapped);
    }

    /**
     * The credits line a run prints at its start (the same words), with the Instance's isolation against the mapping, when
     * SYNAP_API_KEY is set; 2 when a run would be refused for the mapping.
     */
    private int credits(PrintStream out, RunConfig cfg, long documents, boolean customerMapped) {
        String key = System.getenv("SYNAP_API_KEY");
        if (key == null || key.isBlank()) {
            out.printf("Credits: ~%,d documents; set SYNAP_API_KEY to have Synap price them and to see the balance%n", documents);
            return BackfillCommand.OK;
        }
        OkHttpSynapApi api = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), SynapClientConfig.defaults(synapUrl, key)
                .withTimeouts(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(15))
                .withRetries(2, java.time.Duration.ofSeconds(20), java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(1)),
                com.synapbackfill.synap.SynapApi.CallGate.NONE, Sleeper.REAL, Clock.systemUTC());
        com.synapbackfill.planner.RunPreflight preflight = new com.synapbackfill.planner.RunPreflight(api);
        RunConfig withControls = cfg.toBuilder().maxCredits(RunSettingsOptions.credits(contract.maxCredits == null ? null
                : Long.toString(contract.maxCredits), "--max-credits")).allowOverage(Boolean.TRUE.equals(contract.allowOverage)).build();
        try {
            com.synapbackfill.planner.RunPreflight.Outcome o = preflight.check(withControls, documents, customerMapped);
            o.notes().forEach(out::println);
        } catch (com.synapbackfill.error.BackfillException e) {
            // the estimate of the table stands; only the credits line is missing
            out.printf("Credits: ~%,d documents; Synap at %s did not answer the credit check (%s: %s): not priced, balance unknown%n",
                    documents, synapUrl, e.errorClass(), e.getMessage());
            return BackfillCommand.OK;
        } catch (IllegalArgumentException refused) {
            if (refused.getMessage().startsWith("credits:")) {
                // estimate says what a run would meet; the line and the refusal both
                out.println(preflight.quote(documents, cfg.mode()).line(withControls.maxCredits()));
                out.println("A run would be refused: " + refused.getMessage());
                return BackfillCommand.OK;
            }
            out.println("A run would be refused: " + refused.getMessage());
            return BackfillCommand.USAGE;
        }
        return BackfillCommand.OK;
    }

    /** Duration, calls and workers for {@code documents} at the rate limit. */
    private void project(PrintStream out, double documents, double latency, RunConfig cfg, long rows) {
        long calls = (long) Math.ceil(documents / batchSize);
        double callsPerSecond = rateLimit / 60.0;
        long seconds = (long) Math.ceil(calls / callsPerSecond);
        out.printf("Projection at %d requests/min: ~%,d calls, %s, %d workers recommended (p95 %s)%n", rateLimit, calls,
                Progress.eta(seconds), ConcurrencyTuner.recommend(callsPerSecond, latency, HEADROOM),
                send > 0 ? Math.round(latency * 1000) + " ms measured" : "500 ms assumed");
        // what `run` will start with: the same formula at the assumed latency, capped by the shards it will cut
        com.synapbackfill.planner.RunSizing.Starting st = com.synapbackfill.planner.RunSizing.starting(cfg, rows, HEADROOM);
        out.printf("  run starts with %d workers on %,d shards%s (tune adjusts it to the measured latency)%n", st.concurrency(), st.shards(),
                st.capReason() == null ? "" : " (" + st.formulaConcurrency() + " by the formula, " + st.capReason() + ")");
    }

    /** The planner's default TUNE_HEADROOM. */
    static final double HEADROOM = 1.5;

    /**
     * The message shape: whole conversations at sampled points (weighted by their messages), paired as a run pairs
     * them: turns per conversation, messages skipped by reason (roles, empty, filter), bad messages by reason, and
     * the page query's plan when it would not use an index.
     */
    private Integer estimateMessages(PrintStream out, SourceConfig source) {
        RunConfig cfg = RunConfig.builder(source).batchSize(batchSize).rateLimitPerMinute(rateLimit).build();
        DocumentMapper mapper = new DocumentMapper(cfg, "estimate");
        Map<String, Long> skippedBy = new TreeMap<>();
        Map<String, Long> bad = new TreeMap<>();
        long messages = 0;
        long turns = 0;
        long valid = 0;
        long docBytes = 0;
        long sampledConversations = 0;
        List<String> conversations;
        SourceProfile profile;
        String plan;
        long orphans;
        long folded;
        String index;
        boolean customerMapped;
        try (JdbcTurnSource src = new JdbcTurnSource(new JdbcConnectionSettings(jdbcUrl, dbUser, System.getenv("SOURCE_DB_PASSWORD")), source)) {
            profile = src.profile();
            customerMapped = src.customerMapped();
            if (profile.empty()) {
                long without = src.messagesWithoutConversation();
                if (without == 0) {
                    out.println("The table has no message: a run would complete at once.");
                    return BackfillCommand.OK;
                }
                out.printf("Every message of %s (%,d) has no conversation id (%s is NULL): a run would skip them all as "
                        + "missing_conversation_id and send nothing. Map a fallback: --column conversationId=A %s B%n", source.name(), without,
                        source.messages().columns().get("conversationId"), com.synapbackfill.source.MessageShape.OR);
                return BackfillCommand.USAGE;
            }
            List<Turn> read = new ArrayList<>();
            conversations = new ArrayList<>(new java.util.LinkedHashSet<>(src.sampleIds(sample)));
            // read until the sample is full, in an order spread over the whole range (not its low end)
            java.util.Collections.shuffle(conversations, new java.util.Random(1));
            for (String conv : conversations) {
                for (Turn t : src.readConversations(List.of(conv))) {
                    read.add(t);
                    messages += t.messages();
                    if (t.skipped()) {
                        skippedBy.merge(t.skipReason(), 1L, Long::sum);
                        continue;
                    }
                    DocumentMapper.Mapped m = mapper.map(t);
                    if (t.problem() == null) turns++;
                    if (m.ok()) {
                        valid++;
                        docBytes += Json.writeBytes(m.document()).length;
                    } else {
                        bad.merge(m.reason().errorClass(), 1L, Long::sum);
                    }
                }
                sampledConversations++;
                if (messages >= sample) break;
            }
            plan = src.unindexedPagePlan();
            orphans = source.fromId() != null || source.toId() != null ? 0 : src.messagesWithoutConversation();
            index = src.pageIndexHint();
            folded = src.foldedConversations();
            String roles = RoleCheck.unmatched(source, read);
            if (roles != null) {
                out.println("Table " + source.name() + " (message shape): " + roles + ". A run would send nothing.");
                return BackfillCommand.USAGE;
            }
        }
        out.printf("Table %s (message shape): ~%,d messages (statistics), conversations %s..%s (%s); sampled %,d messages%n", source.name(),
                profile.estimatedRows(), profile.minId(), profile.maxId(), profile.idType(), messages);
        long skipped = skippedBy.values().stream().mapToLong(Long::longValue).sum();
        out.printf("  %,d conversations: turns %,d (%.1f per conversation, %.1f messages per turn)%n", sampledConversations, turns,
                (double) turns / Math.max(1, sampledConversations), turns == 0 ? 0.0 : (double) (messages - skipped) / turns);
        if (skipped > 0) {
            out.printf("  skipped %,d messages (%.1f%%):%n", skipped, 100.0 * skipped / Math.max(1, messages));
            skippedBy.forEach((reason, n) -> out.printf("    %-34s %,8d%n", reason, n));
        }
        out.printf("  valid %,d turns, average document %,d bytes%n", valid, valid == 0 ? 0 : docBytes / valid);
        bad.forEach((reason, n) -> out.printf("  %-36s %,8d%n", reason, n));
        if (orphans > 0)
            out.printf("  %,d messages have no conversation id: a run counts them as read and skipped (missing_conversation_id); "
                    + "map a fallback to read them: --column conversationId=A %s B%n", orphans, com.synapbackfill.source.MessageShape.OR);
        if (folded > 0)
            out.printf("Warning: %,d groups of conversation ids differ only by case or accents, and the column's collation holds them equal: "
                    + "each group is read as one conversation. Give the column a binary collation (utf8mb4_bin) to keep them apart.%n", folded);
        if (plan != null) {
            out.println("Warning: the page query would not use an index; every page would scan and sort " + source.name() + ". "
                    + (index == null ? "No index can serve a conversation key on a joined table or a query's column; expect slow pages"
                    : "Create one: " + index + ";") + " The plan:");
            plan.lines().forEach(l -> out.println("    " + l));
        }
        // what the estimated rows count: messages, or conversations (a row per conversation)
        long units = source.conversationShape() ? sampledConversations : messages;
        double documentsPerMessage = units == 0 ? 0 : (double) valid / units;
        project(out, profile.estimatedRows() * documentsPerMessage, 0.5, cfg, profile.estimatedRows());
        return credits(out, cfg, (long) Math.ceil(profile.estimatedRows() * documentsPerMessage), customerMapped);
    }
}
