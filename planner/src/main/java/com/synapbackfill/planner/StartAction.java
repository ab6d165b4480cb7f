package com.synapbackfill.planner;

import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.queue.ShardQueue;
import com.synapbackfill.source.ShardPlanner;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceProfile;
import com.synapbackfill.source.TurnSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The start action: a new run planned (the source profiled and sampled, shards cut, rows without a key counted, Synap's
 * checks before anything is created) and recorded with its shards enqueued; an existing run started again keeps its source
 * (another is refused, naming what differs) and takes a new rate limit or credit cap.
 */
final class StartAction {
    private static final Logger LOG = LoggerFactory.getLogger(StartAction.class);

    private final Ledger ledger;
    private final ShardQueue queue;
    private final Function<SourceConfig, TurnSource> sources;
    private final Optional<RunConfig> defaults;
    private final double headroom;
    private final Clock clock;
    private final RunPreflight.Port preflight;

    StartAction(Ledger ledger, ShardQueue queue, Function<SourceConfig, TurnSource> sources, Optional<RunConfig> defaults,
                double headroom, Clock clock, RunPreflight.Port preflight) {
        this.ledger = ledger;
        this.queue = queue;
        this.sources = sources;
        this.defaults = defaults;
        this.headroom = headroom;
        this.clock = clock;
        this.preflight = preflight;
    }

    /**
     * Starting an existing run again is idempotent only for the same source: another table, mapping, filter or
     * cutover under the same run id would mix two selections in one ledger. Refused, naming what differs.
     */
    private void requireSameSource(RunState run, PlannerRequest request) {
        com.synapbackfill.source.SourceConfig asked = request.source() != null ? request.source()
                : defaults.map(RunConfig::source).orElse(null);
        com.synapbackfill.source.SourceConfig had = run.config().source();
        if (asked == null || asked.equals(had)) return;
        List<String> diffs = new ArrayList<>();
        diff(diffs, "table", had.table(), asked.table());
        for (String f : com.synapbackfill.source.ColumnMapping.DEFAULTS.keySet())
            diff(diffs, "columns." + f, had.columns().column(f), asked.columns().column(f));
        diff(diffs, "filter", had.filter(), asked.filter());
        diff(diffs, "since", had.since(), asked.since());
        diff(diffs, "until", had.until(), asked.until());
        diff(diffs, "timestampZone", had.timestampZone(), asked.timestampZone());
        diff(diffs, "fromId", had.fromId(), asked.fromId());
        diff(diffs, "toId", had.toId(), asked.toId());
        throw new IllegalArgumentException("runId: run " + run.runId() + " exists with another source (" + String.join("; ", diffs)
                + "); continue it with its own source, or start a new run with a new run id");
    }

    /**
     * The rate limit may change mid-run (Synap raised the Instance's limit, or another job shares it), and so may the credit
     * cap: a start of an existing run that gives one applies it and records it in the run's snapshot; every other setting stays.
     */
    private RunState applyRateLimit(RunState run, PlannerRequest request) {
        RunConfig had = run.config();
        int rate = request.rateLimitPerMinute() != null ? request.rateLimitPerMinute() : had.rateLimitPerMinute();
        RunConfig.RateLimitUnit unit = request.rateLimitUnit() != null ? request.rateLimitUnit() : had.rateLimitUnit();
        Long cap = request.maxCredits() != null ? request.maxCredits() : had.maxCredits();
        if (rate == had.rateLimitPerMinute() && unit == had.rateLimitUnit() && java.util.Objects.equals(cap, had.maxCredits())) {
            LOG.info("start: run exists ({}), nothing to do", run.status());
            return run;
        }
        ledger.updateConfig(run.runId(), had.toBuilder().rateLimitPerMinute(rate).rateLimitUnit(unit).maxCredits(cap).build());
        LOG.info("start: run exists ({}); rate limit {} per {} → {} per {}, credit cap {} → {}, recorded in the run", run.status(),
                had.rateLimitPerMinute(), had.rateLimitUnit(), rate, unit, had.maxCredits(), cap);
        return Runs.require(ledger, run.runId());
    }

    private static void diff(List<String> diffs, String field, String had, String asked) {
        if (!java.util.Objects.equals(had, asked)) diffs.add(field + " is " + (had == null ? "unset" : "\"" + had + "\"")
                + ", not " + (asked == null ? "unset" : "\"" + asked + "\""));
    }

    PlannerResults.Start start(PlannerRequest request) {
        String runId = request.runId() == null ? RunIds.generate(clock) : RunIds.requireValid(request.runId());
        MDC.put("runId", runId);
        try {
            Optional<RunState> existing = ledger.run(runId);
            if (existing.isPresent() && existing.get().status() != RunStatus.PLANNING) {
                requireSameSource(existing.get(), request);
                return startAnswer(applyRateLimit(existing.get(), request), false);
            }
            RunConfig config = existing.map(RunState::config).orElseGet(() -> request.config(defaults));
            long t0 = clock.millis();
            Planned p = plan(runId, config);
            record(runId, p);
            RunState run = ledger.run(runId).orElseThrow();
            LOG.info("start: {} shards over ~{} rows ({} ids {}..{}), {} without a key, planned in {} ms", p.shards().size(),
                    p.profile().estimatedRows(), p.profile().idType(), p.profile().minId(), p.profile().maxId(), p.withoutKey(),
                    clock.millis() - t0);
            p.checked().notes().forEach(n -> LOG.info("start: {}", n));
            return startAnswer(run, true).withNotes(p.checked().notes());
        } finally {
            MDC.remove("runId");
        }
    }

    /**
     * What a start decides before anything is created: the source's profile and shards, the rows no shard holds, and the
     * preflight's outcome (its config, notes, and the reason when Synap refused the key or the credits: {@code blocked}).
     */
    private record Planned(RunConfig config, SourceProfile profile, List<Shard> shards, long withoutKey,
                           RunPreflight.Outcome checked, String blocked) {
    }

    private Planned plan(String runId, RunConfig config) {
        try (TurnSource source = sources.apply(config.source())) {
            SourceProfile profile = source.profile();
            int perShard = RunSizing.shardRows(config, profile.estimatedRows(), recommended(config));
            int wanted = (int) Math.max(1, Math.min(ShardPlanner.MAX_SHARDS, (profile.estimatedRows() + perShard - 1) / perShard));
            List<String> sample = profile.empty() ? List.of() : source.sampleIds(Math.min(200_000, Math.max(1_000, wanted * 20)));
            // the sample corrects statistics that are stale or missing (a table loaded since its last ANALYZE)
            profile = source.profile();
            perShard = RunSizing.shardRows(config, profile.estimatedRows(), recommended(config));
            List<Shard> shards = ShardPlanner.plan(runId, profile, perShard, sample);
            // rows no shard holds (a NULL conversation id) are counted now, skipped, never lost without a word; a slice of
            // conversation ids holds none of them
            boolean slice = config.source().fromId() != null || config.source().toId() != null;
            long withoutKey = slice ? 0 : source.rowsWithoutKey();
            // before anything is created or sent: the Instance's isolation against the mapping, the credits against the balance
            try {
                RunPreflight.Outcome checked = preflight.check(config, RunSizing.documents(source, config, shards,
                        profile.estimatedRows()), source.customerMapped());
                return new Planned(checked.config(), profile, shards, withoutKey, checked, null);
            } catch (com.synapbackfill.error.RetryableException unanswered) {
                throw new IllegalStateException("Synap did not answer the checks before the run (the Instance's isolation, the "
                        + "credits) after its retries: " + unanswered.getMessage() + "; nothing was created or sent: start the run "
                        + "again when Synap answers", unanswered);
            } catch (com.synapbackfill.error.BlockedException refused) {
                // Synap refused the key (or the credits) while asked: the run is kept, BLOCKED with the reason and
                // nothing enqueued, so fixing the key and resuming it starts the work (the state machine fails RunBlocked)
                String blocked = refused.errorClass() + ": " + refused.getMessage();
                return new Planned(config, profile, shards, withoutKey, new RunPreflight.Outcome(config, List.of(
                        "Synap refused the checks before the run (" + blocked + "): the run is BLOCKED; fix it, then resume the run")), blocked);
            }
        }
    }

    /** The planned run in the ledger with its shards, then BLOCKED, COMPLETED (no shard) or RUNNING with every shard enqueued. */
    private void record(String runId, Planned p) {
        long now = clock.millis();
        ledger.createRun(new RunState(runId, RunStatus.PLANNING, null, p.config(), p.profile().idType(), p.profile().estimatedRows(),
                0, 0, p.withoutKey() > 0 ? Counters.withoutConversation(p.withoutKey()) : Counters.ZERO, now, now, 0));
        List<ShardState> states = new ArrayList<>(p.shards().size());
        for (Shard s : p.shards()) states.add(ShardState.pending(s));
        ledger.putShards(runId, states, p.profile().estimatedRows());
        if (p.blocked() != null) {
            ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.BLOCKED, p.blocked());
        } else if (p.shards().isEmpty()) {
            ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.COMPLETED, null);
        } else {
            ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
            List<ShardMessage> messages = new ArrayList<>(p.shards().size());
            for (Shard s : p.shards()) messages.add(ShardMessage.first(runId, s.shardNo()));
            try {
                queue.send(messages);
            } catch (RuntimeException e) {
                throw new IllegalStateException("run " + runId + " is RUNNING but its shard messages could not all be "
                        + "sent (" + e.getMessage() + "); run the resume action to enqueue them", e);
            }
        }
    }

    private int recommended(RunConfig c) {
        return ConcurrencyTuner.recommend(RunSizing.requestsPerSecond(c), RunSizing.ASSUMED_LATENCY_SECONDS, headroom);
    }

    private PlannerResults.Start startAnswer(RunState run, boolean created) {
        RunConfig c = run.config();
        double ceiling = c.ceilingDocsPerSecond();
        return new PlannerResults.Start(run.runId(), run.status().name(), created, run.shardsTotal(), run.estimatedRows(),
                RunSizing.capped(recommended(c), run.shardsTotal()), (long) Math.ceil(run.estimatedRows() / ceiling), ceiling);
    }
}
