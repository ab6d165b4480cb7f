package com.synapbackfill.cli;

import com.synapbackfill.model.Counters;

import com.synapbackfill.error.BackfillException;
import com.synapbackfill.error.BlockedException;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backfill run}: a real backfill from a laptop or a server, with the same planner and worker services
 * as in Lambda. With {@code --aws embedded} (the default) the ledger is a DynamoDB Local persisted under
 * {@code --state-dir}, so a killed run continues from its checkpoints when started again with the same
 * {@code --run-id}; with {@code --aws default} it uses a deployed stack's table, queue and bucket through the
 * default credential chain. Configuration: flags, then a YAML file ({@code --config}), then the environment.
 */
@Command(name = "run", description = "Backfill a real table into Synap from this machine (ledger under --state-dir, or a deployed stack's).",
        footer = {"", "Secrets come from the environment only: SYNAP_API_KEY and SOURCE_DB_PASSWORD.",
                "Config file keys are the long option names in camelCase: jdbcUrl, dbUser, table, synapUrl, rateLimit, concurrency, ...",
                "", "Examples:",
                "  SYNAP_API_KEY=synap_... SOURCE_DB_PASSWORD=... backfill run --jdbc-url jdbc:postgresql://db:5432/app \\",
                "      --db-user reader --table public.turns --rate-limit 600 --run-id backfill-nov",
                "  SYNAP_API_KEY=... SOURCE_DB_PASSWORD=... backfill run --jdbc-url jdbc:mysql://db:3306/app --db-user reader \\",
                "      --table chat_log --column createdAt=sent_at --timestamp-zone America/New_York   # DATETIME wall clocks",
                "  backfill run --config backfill.yaml --run-id backfill-nov     # again after a crash: continues",
                "  backfill run --config backfill.yaml --aws default --stack synap-backfill   # the stack's ledger, queue and bucket"})
final class RunCommand extends OperatorCommand {
    @Mixin SourceOptions source;
    @Mixin RunSettingsOptions settings;
    @Option(names = "--aws", description = "embedded (ledger under --state-dir; default) or default (a deployed stack's parts)") String aws;
    @Option(names = "--concurrency", description = "workers on this machine, 1..1000 (default: recommended)") Integer concurrency;
    @Option(names = "--run-id", description = "run id; the same id continues a stopped run") String runId;

    @Override
    public Integer call() throws Exception {
        CliConfig c = config();
        Map<String, String> env = new java.util.LinkedHashMap<>(source.env(c, SourceOptions.Needs.SEND, settings));
        Integer workers = workers(c, concurrency);
        com.synapbackfill.config.Settings settings0 = com.synapbackfill.config.Settings.fromEnvironment(withTable(env));
        com.synapbackfill.source.SourceConfig contract = settings0.runDefaults().map(rc -> rc.source()).orElse(null);
        String id;
        java.util.Optional<String> unfinished = c.pick(runId, "runId", "RUN_ID") != null || stack.deployed(c) || contract == null
                ? java.util.Optional.empty() : LocalRunRecord.unfinished(c, stack, contract);
        if (unfinished.isPresent()) {
            id = unfinished.get();
            out.println("Continuing run " + id + ": the same source in this state directory is not finished (--run-id NEW starts another)");
        } else {
            id = newRunId(c, runId);
        }
        if (!stack.deployed(c)) LocalRunRecord.apply(c, source, stack, id, env, out, true);
        checkAwsMode(c);

        // validate what can be validated before any work: settings and the run config (above), the source, Synap's answer to the key
        // Synap's answer to the key, then the source (login, table, mapping, types, filter): both in a second or two,
        // before any AWS part starts
        checkSynap(env.get("SYNAP_BASE_URL"), env.get("SYNAP_API_KEY"));
        boolean continuing = unfinished.isPresent() || c.pick(runId, "runId", "RUN_ID") != null && LocalRunRecord.exists(c, stack, id);
        settings0.runDefaults().ifPresent(rc -> checkSource(env, rc, out, !continuing && !stack.deployed(c)));

        try (Target target = Target.open(stack, c, Target.Access.WORK, env)) {
            if (!target.local()) {
                if (target.env().get("SHARD_QUEUE_URL") == null || target.env().get("REPORT_BUCKET") == null)
                    throw new IllegalArgumentException("--aws default: the stack's queue and bucket are unknown (--queue-url, --report-bucket)");
                out.println("Note: the stack's own workers also take shards from its queue while this run works; both share the ledger.");
            }
            out.println("Ledger: " + target.describe() + "; run " + id + "; Synap " + env.get("SYNAP_BASE_URL"));
            if (target.local()) {
                LocalRunRecord.write(c, stack, id, env.get("SYNAP_BASE_URL"));
                if (contract != null) LocalRunRecord.source(c, stack, id, contract);
            }
            LocalRun run = new LocalRun(target.deployment(), target.reports());
            PlannerResults.Start start = startOrContinue(c, run, id);
            return work(run, id, workers != null ? workers : start.recommendedConcurrency(), out, stack.where(), sourceFlags(env),
                    target.space(), target.local() ? () -> LocalRunRecord.completed(c, stack, id) : () -> { });
        }
    }

    /** {@code --aws} (embedded by default, default with a deployed stack) against the parts given. */
    private void checkAwsMode(CliConfig c) {
        String mode = c.pick(aws, "aws", null);
        if (mode == null) mode = stack.deployed(c) ? "default" : "embedded";
        if (!mode.equals("embedded") && !mode.equals("default"))
            throw new IllegalArgumentException("--aws: must be embedded or default, was \"" + mode + "\"");
        if (mode.equals("default") && !stack.deployed(c))
            throw new IllegalArgumentException("--aws default: needs --stack (or --ledger-table, --queue-url and --report-bucket)");
        if (mode.equals("embedded") && stack.deployed(c))
            throw new IllegalArgumentException("--aws embedded: cannot be combined with --stack or deployed parts; use --aws default");
    }

    /**
     * Starts the run, or continues it when it exists (its unfinished shards re-enqueued). An explicit rate limit or credit
     * cap also applies to an existing run (recorded in it); the source must be the run's own.
     */
    private PlannerResults.Start startOrContinue(CliConfig c, LocalRun run, String id) {
        String rate = c.pick(settings.rateLimit, "rateLimit", "RATE_LIMIT_PER_MINUTE");
        Long cap = RunSettingsOptions.credits(c.pick(settings.maxCredits, "maxCredits", "MAX_CREDITS"), "--max-credits");
        PlannerResults.Start start = run.start(new PlannerRequest(PlannerRequest.Action.START, id, null, null, null, null, null, null,
                null, null, null, rate == null ? null : CliConfig.integer(rate, "--rate-limit"), null, null, null, null, cap));
        if (!start.created()) {
            PlannerResults.Resume r = run.planner().resume(id);
            out.printf("Run %s exists (%s): %d unfinished shards continue from their checkpoints, ceiling %.0f docs/s.%n", id,
                    start.status(), r.shardsEnqueued(), start.ceilingDocsPerSecond());
        } else {
            start.notes().forEach(out::println);
            out.printf("Run %s: %d shards over ~%,d rows, ceiling %.0f docs/s, ETA %s.%n", id, start.shards(), start.estimatedRows(),
                    start.ceilingDocsPerSecond(), Progress.eta(start.etaSeconds()));
        }
        return start;
    }

    /**
     * Works the run with local workers until it ends, then writes and summarizes the report; returns the exit code.
     * {@code onCompleted} runs when the run ended COMPLETED. {@code space} is the local ledger's disk (null for a deployed
     * stack): checked before anything is sent, and watched while the run works — a ledger or report write that fails for
     * lack of space stops the run with {@link BackfillCommand#NO_SPACE}.
     */
    static int work(LocalRun run, String id, int workers, PrintStream out, String where, String sourceFlags, StateSpace space,
                    Runnable onCompleted) throws InterruptedException {
        PlannerResults.Status status;
        // what the run had handled before this session: a continued run's new "already present" are resends
        PlannerResults.Status first = run.planner().status(id);
        Counters before = first.counters();
        if (space != null) {
            String note = space.checkRoomFor(Math.max(0, first.estimatedRows() - Math.max(before.rowsRead(), before.messages())));
            if (note != null) out.println(note);
        }
        long duplicateKeys = com.synapbackfill.source.JdbcTurnSource.duplicateJsonKeys();
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> notPaused = new java.util.concurrent.atomic.AtomicReference<>();
        Interrupts.Registration onInterrupt = Interrupts.onInterrupt(() -> {
            if (!interrupted.compareAndSet(false, true)) return false; // a second Ctrl-C: leave at once
            out.println();
            out.println("Interrupted: stopping at batch boundaries (Ctrl-C again to leave at once)...");
            try {
                run.pause(id, "interrupted by the operator");
            } catch (RuntimeException e) {
                // the ledger cannot be written (a full disk, DynamoDB Local gone): leave without the PAUSED mark
                notPaused.set(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
            return true;
        });
        if (Interrupts.ignoredWarning(onInterrupt) != null) out.println(Interrupts.ignoredWarning(onInterrupt));
        try (Progress progress = new Progress(out, System.console() != null, 10_000)) {
            status = run.work(id, workers, Duration.ofMinutes(5), Duration.ofDays(30), Duration.ofSeconds(1), progress,
                    () -> space != null && space.full() || notPaused.get() != null);
        } finally {
            onInterrupt.close();
        }
        if (space != null && space.full()) {
            // nothing more can be written under the state directory: no report, no PAUSED; the checkpoints hold
            out.println();
            out.println("Stopped: " + space.message() + (interrupted.get() ? " (the interrupt could not be recorded as PAUSED)" : "") + ".");
            out.printf("  The run stays RUNNING in the ledger at its checkpoints; once there is room, the same command (or `backfill resume "
                    + "%s%s%s`) continues it: documents Synap accepted after the last checkpoints are sent again, counted as already present.%n",
                    id, where, sourceFlags);
            return BackfillCommand.NO_SPACE;
        }
        if (notPaused.get() != null) {
            out.printf("Interrupted, but the ledger did not record PAUSED (%s): the run stays RUNNING in it, its leases lapse in a minute, "
                    + "and the same command (or `backfill resume %s%s%s`) continues it from its checkpoints.%n", notPaused.get(), id, where,
                    sourceFlags);
            return Interrupts.EXIT_INTERRUPTED;
        }
        if ("COMPLETED".equals(status.status())) onCompleted.run();
        PlannerResults.Report report = run.planner().report(id);
        out.printf("Run %s: %s%s; rows %,d: accepted %,d, already present %,d, failed %,d, skipped %,d. Report: %s%n", id, status.status(),
                status.reason() == null ? "" : " (" + status.reason() + ")", status.counters().rowsRead(), status.counters().accepted(),
                status.counters().alreadyPresent(), status.counters().failed(), status.counters().skipped(), report.reportLocation());
        if (report.pageLocation() != null) out.println("  page: " + report.pageLocation() + " (charts of the run; open it in a browser)");
        long resent = status.counters().alreadyPresent() - before.alreadyPresent();
        if (before.handled() > 0 && resent > 0)
            out.printf("  %,d already present were sent again in this session: Synap had accepted them after the last checkpoints "
                    + "before the run stopped (or an earlier run stored them); none is stored twice%n", resent);
        if (status.counters().messages() > 0)
            out.printf("  message shape: %,d messages read: %,d turns, %,d bad messages, %,d messages skipped%n", status.counters().messages(),
                    status.counters().accepted() + status.counters().alreadyPresent() + status.counters().failed() - badMessages(report),
                    badMessages(report), status.counters().skipped());
        String duplicates = duplicateKeysWarning(com.synapbackfill.source.JdbcTurnSource.duplicateJsonKeys() - duplicateKeys);
        if (duplicates != null) out.println("  " + duplicates);
        if (status.counters().withoutConversation() > 0)
            out.printf("  %,d messages have no conversation id: skipped as missing_conversation_id (in the skipped count); "
                    + "map a fallback with --column conversationId=A %s B%n", status.counters().withoutConversation(),
                    com.synapbackfill.source.MessageShape.OR);
        if (status.blocked()) {
            out.println(blockedHint(status.reason(), id, where + sourceFlags));
            return BackfillCommand.BLOCKED;
        }
        if (interrupted.get() || "PAUSED".equals(status.status())) {
            out.printf("The run is PAUSED at its checkpoints, no shard is leased. Continue it with `backfill resume %s%s%s` "
                    + "(or the same run command). Documents Synap accepted after the last checkpoints are sent again and counted "
                    + "as already present.%n", id, where, sourceFlags);
            return Interrupts.EXIT_INTERRUPTED;
        }
        if ("FAILED".equals(status.status()))
            out.printf("Fix what the reason names, then `backfill resume %s%s%s` continues from the checkpoints.%n", id, where, sourceFlags);
        if (status.counters().failed() > 0)
            out.printf("Failed rows: `backfill failures %s%s` lists them; after fixing the source, `backfill retry-failures %s%s%s`.%n",
                    id, where, id, where, sourceFlags);
        if (!"COMPLETED".equals(status.status())) return BackfillCommand.ERROR;
        return report.invariantHolds() ? BackfillCommand.OK : BackfillCommand.INVARIANT;
    }

    /**
     * Keys that appeared twice in one JSON object of the values read: the last value is the one sent (as the database and the
     * app read it), and the user hears of it with a count and where the first was. Null when there were none.
     */
    static String duplicateKeysWarning(long n) {
        if (n <= 0) return null;
        return String.format("Warning: %,d JSON key%s appeared twice in one object (the first at %s in its column): the last value was "
                + "read, as PostgreSQL's jsonb, MySQL's JSON and JavaScript's JSON.parse keep it, and the earlier one is not sent", n,
                n == 1 ? "" : "s", com.synapbackfill.source.JdbcTurnSource.firstDuplicateJsonKey());
    }

    /** What to do about a BLOCKED run, by why it stopped: its credit cap, Synap's credits, or the key. */
    static String blockedHint(String reason, String id, String flags) {
        String r = reason == null ? "" : reason;
        if (r.startsWith("blocked_credit_cap"))
            return "The run stopped at its credit cap. Continue it with a higher cap: `backfill resume " + id + flags + " --max-credits N`.";
        if (r.startsWith("blocked_credits"))
            return "Synap stopped the run for credits. Add credits (or allow overage on the plan), then `backfill resume " + id + flags
                    + "`: it continues from its checkpoints.";
        return "Synap refused the run: fix the key, plan or permissions, then `backfill resume " + id + flags + "`.";
    }

    /** Reads the catalog and the id bounds once: every configuration error of the source, before the run starts. */
    static void checkSource(Map<String, String> env, com.synapbackfill.model.RunConfig config, java.io.PrintStream out, boolean preflight) {
        com.synapbackfill.source.SourceConfig source = config.source();
        var db = SourceOptions.connection(env.get("SOURCE_JDBC_URL"), env.get("SOURCE_DB_USER"), env.get("SOURCE_DB_PASSWORD"),
                env.get("SOURCE_STATEMENT_TIMEOUT_SECONDS"));
        if (db.tlsWarning() != null) out.println("Warning: " + db.tlsWarning() + ".");
        try (var src = new com.synapbackfill.source.JdbcTurnSource(db, source)) {
            var profile = src.profile();
            // a run Synap's answers refuse (over the balance, the Instance's isolation against the mapping) is refused now,
            // before any part starts; the planner asks again when it creates the run
            if (preflight) new com.synapbackfill.planner.RunPreflight(synap(env.get("SYNAP_BASE_URL"), env.get("SYNAP_API_KEY")))
                    .check(config, com.synapbackfill.planner.RunSizing.documents(src, config, profile), src.customerMapped());
            if (source.messageShape() && !profile.empty()) {
                // a few conversations: roles that match nothing would make a run that sends nothing
                java.util.List<String> sample = src.sampleIds(50);
                java.util.List<com.synapbackfill.model.Turn> items = src.readConversations(sample.subList(0, Math.min(20, sample.size())));
                String roles = RoleCheck.unmatched(source, items);
                if (roles != null) out.println("Warning: " + roles + ".");
                long folded = src.foldedConversations();
                if (folded > 0)
                    out.printf("Warning: %,d groups of conversation ids differ only by case or accents, and the column's collation holds them "
                            + "equal: each group is read as one conversation (utf8mb4_bin keeps them apart).%n", folded);
            }
        }
    }

    /** The source flags of a hint: URL (password parameters hidden) and user; the password stays in the environment. */
    static String sourceFlags(Map<String, String> env) {
        if (env.get("SOURCE_JDBC_URL") == null) return "";
        return " --jdbc-url " + com.synapbackfill.source.JdbcConnectionSettings.redactUrl(env.get("SOURCE_JDBC_URL"))
                + (env.get("SOURCE_DB_USER") == null ? "" : " --db-user " + env.get("SOURCE_DB_USER"));
    }

    static Integer workers(CliConfig c, Integer flag) {
        String v = c.pick(flag, "concurrency", "CONCURRENCY");
        if (v == null) return null;
        int n = CliConfig.integer(v, "--concurrency");
        if (n < 1 || n > 1000) throw new IllegalArgumentException("--concurrency: must be 1..1000, was " + n);
        return n;
    }

    private static Map<String, String> withTable(Map<String, String> env) {
        Map<String, String> e = new java.util.LinkedHashMap<>(env);
        e.putIfAbsent("LEDGER_TABLE", "validation-only");
        return e;
    }

    /** A whoami before any work: a wrong URL or a refused key is a configuration error, not a blocked run. */
    static void checkSynap(String url, String key) {
        SynapApi api = synap(url, key);
        try {
            api.whoami();
        } catch (BlockedException e) {
            throw new IllegalArgumentException("SYNAP_API_KEY: Synap refused it (" + e.httpStatus() + ")");
        } catch (BackfillException e) {
            throw new IllegalArgumentException("--synap-url: cannot reach Synap at " + url + " (" + e.errorClass() + ")");
        }
    }

    /** A client for the checks before a run: short timeouts. */
    static SynapApi synap(String url, String key) {
        return new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), SynapClientConfig.defaults(url, key)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15)), SynapApi.CallGate.NONE,
                Sleeper.REAL, Clock.systemUTC());
    }

    /** Messages that could not be read (their text), from the report's failure classes. */
    static long badMessages(PlannerResults.Report report) {
        if (report.failuresByClass() == null) return 0;
        long n = 0;
        for (var r : java.util.List.of(com.synapbackfill.model.BadRowReason.UNREADABLE_TEXT, com.synapbackfill.model.BadRowReason.UNREADABLE_TIMESTAMP))
            n += report.failuresByClass().getOrDefault(r.errorClass(), 0L);
        return n;
    }
}
