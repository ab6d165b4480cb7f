package com.synapbackfill.cli;

import com.synapbackfill.limit.LimiterGate;
import com.synapbackfill.limit.LocalRateLimiter;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.planner.ConcurrencyTuner;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.MessageShape;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.synap.BatchResult;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        PrintStream out = PrintableStream.of(System.out); // sampled ids and Synap's answers: controls escaped
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
        TurnSample s;
        long duplicates = JdbcTurnSource.duplicateJsonKeys();
        try (JdbcTurnSource src = open(source)) {
            s = TurnSample.take(src, new DocumentMapper(cfg, "estimate"), sample, send);
        }
        s.counted = !s.profile.empty() && TableSample.counted(source, settings());
        if (s.profile.empty()) {
            out.println("The table is empty: a run would complete at once.");
            return BackfillCommand.OK;
        }
        s.print(out, source);
        warnDuplicates(out, duplicates);
        double latency = send > 0 ? sendSample(out, s.toSend) : 0.5;
        long rows = s.profile.estimatedRows();
        project(out, rows * s.validShare(), latency, cfg, rows);
        return credits(out, cfg, (long) Math.ceil(rows * s.validShare()), s.customerMapped);
    }

    /** Keys the sample's JSON held twice since {@code before}: said with the count (the last value is what a run sends). */
    private static void warnDuplicates(PrintStream out, long before) {
        String w = RunCommand.duplicateKeysWarning(JdbcTurnSource.duplicateJsonKeys() - before);
        if (w != null) out.println("  in the sample: " + w);
    }

    private JdbcTurnSource open(SourceConfig source) {
        return new JdbcTurnSource(settings(), source);
    }

    /** The source connection, with SOURCE_STATEMENT_TIMEOUT_SECONDS as a run's workers have it. */
    private JdbcConnectionSettings settings() {
        return SourceOptions.connection(jdbcUrl, dbUser, System.getenv("SOURCE_DB_PASSWORD"), System.getenv("SOURCE_STATEMENT_TIMEOUT_SECONDS"));
    }

    /** {@code --send}: real documents sent in batches to measure latency; the p95 in seconds. */
    private double sendSample(PrintStream out, List<MemoryDocument> valid) {
        String key = System.getenv("SYNAP_API_KEY");
        if (key == null || key.isBlank()) throw new IllegalArgumentException("SYNAP_API_KEY: is required with --send");
        OkHttpSynapApi api = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), SynapClientConfig.defaults(synapUrl, key),
                new LimiterGate(new LocalRateLimiter(rateLimit, 1, Clock.systemUTC()), RunConfig.RateLimitUnit.CALL, Clock.systemUTC()),
                Sleeper.REAL, Clock.systemUTC());
        valid = underCap(out, api, valid);
        if (valid.isEmpty()) return 0.5;
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
        out.printf("  sent %d documents in %d calls: accepted %d, already present %d, failed %d; latency p50 %d ms, p95 %d ms%n",
                valid.size(), latencies.size(), accepted, present, failed, p50, p95);
        return p95 / 1000.0;
    }

    /**
     * {@code --send} spends real credits: with {@code --max-credits} it sends no more than the cap pays at Synap's price of
     * these documents (a document count when Synap gives no price), as a run would.
     */
    private List<MemoryDocument> underCap(PrintStream out, OkHttpSynapApi api, List<MemoryDocument> valid) {
        Long cap = RunSettingsOptions.credits(contract.maxCredits == null ? null : Long.toString(contract.maxCredits), "--max-credits");
        if (cap == null || valid.isEmpty()) return valid;
        com.synapbackfill.model.CreditPrice price;
        try {
            java.util.OptionalDouble estimate = api.estimateCredits(valid.size(), valid.get(0).mode());
            price = com.synapbackfill.model.CreditPrice.fromEstimate(estimate.isPresent() ? estimate.getAsDouble() : null, valid.size());
        } catch (com.synapbackfill.error.BackfillException unpriced) {
            price = com.synapbackfill.model.CreditPrice.BY_DOCUMENTS;
        }
        long allowed = price.documentsUnder(cap);
        if (allowed >= valid.size()) return valid;
        out.printf("  --send %d: %s, so %,d are sent%n", valid.size(), price.describeCap(cap), allowed);
        return valid.subList(0, (int) allowed);
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
        out.printf("Projection at %d requests/min: ~%s, %s, %s recommended (p95 %s)%n", rateLimit, TableSample.count(calls, "call"),
                Progress.eta(seconds), TableSample.count(ConcurrencyTuner.recommend(callsPerSecond, latency, HEADROOM), "worker"),
                send > 0 ? Math.round(latency * 1000) + " ms measured" : "500 ms assumed");
        // what `run` will start with: the same formula at the assumed latency, capped by the shards it will cut
        com.synapbackfill.planner.RunSizing.Starting st = com.synapbackfill.planner.RunSizing.starting(cfg, rows, HEADROOM);
        out.printf("  run starts with %s on %s%s (tune adjusts it to the measured latency)%n", TableSample.count(st.concurrency(), "worker"),
                TableSample.count(st.shards(), "shard"),
                st.capReason() == null ? "" : " (" + st.formulaConcurrency() + " by the formula, " + st.capReason() + ")");
    }

    /** The planner's default TUNE_HEADROOM. */
    static final double HEADROOM = 1.5;

    /** The message shape: a sample of whole conversations ({@link MessageSample}), projected as for turns. */
    private Integer estimateMessages(PrintStream out, SourceConfig source) {
        RunConfig cfg = RunConfig.builder(source).batchSize(batchSize).rateLimitPerMinute(rateLimit).build();
        MessageSample s;
        long duplicates = JdbcTurnSource.duplicateJsonKeys();
        try (JdbcTurnSource src = open(source)) {
            if (src.profile().empty()) return noConversation(out, src, source);
            s = MessageSample.take(src, source, new DocumentMapper(cfg, "estimate"), sample);
        }
        s.counted = TableSample.counted(source, settings());
        if (s.unmatchedRoles != null) {
            out.println("Table " + source.name() + " (" + MessageSample.shapeName(source) + "): " + s.unmatchedRoles + ". A run would send nothing.");
            return BackfillCommand.USAGE;
        }
        s.print(out, source);
        warnDuplicates(out, duplicates);
        long rows = s.profile.estimatedRows();
        project(out, rows * s.documentsPerRow(source), 0.5, cfg, rows);
        return credits(out, cfg, (long) Math.ceil(rows * s.documentsPerRow(source)), s.customerMapped);
    }

    /** A message table with no conversation to read: empty (a run completes at once), or every conversation key NULL. */
    private static Integer noConversation(PrintStream out, JdbcTurnSource src, SourceConfig source) {
        long without = src.messagesWithoutConversation();
        if (without == 0) {
            out.println("The table has no message: a run would complete at once.");
            return BackfillCommand.OK;
        }
        out.printf("Every message of %s (%,d) has no conversation id (%s is NULL): a run would skip them all as "
                + "missing_conversation_id and send nothing. Map a fallback: --column conversationId=A %s B%n", source.name(), without,
                source.messages().columns().get("conversationId"), MessageShape.OR);
        return BackfillCommand.USAGE;
    }
}
