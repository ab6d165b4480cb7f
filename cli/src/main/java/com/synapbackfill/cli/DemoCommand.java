package com.synapbackfill.cli;

import com.synapbackfill.embedded.EmbeddedMariaDb;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.EmulatorStats;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.planner.lambda.PlannerHandler;
import com.synapbackfill.retry.Sleeper;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code backfill demo}: the main job on embedded parts. PostgreSQL seeded with a synthetic history,
 * DynamoDB Local, ElasticMQ, s3mock and the Synap emulator; planner start, then a local event source
 * mapping with the recommended number of workers; progress; report; invariant check against the emulator.
 */
@Command(name = "demo", description = "Run a whole backfill on embedded parts (PostgreSQL, DynamoDB Local, ElasticMQ, s3mock, Synap emulator).",
        footer = {"", "Examples:", "  backfill demo", "  backfill demo --rows 5000 --rate-limit 3000 --faults",
                "  backfill demo --keep        # leave the services up and print their endpoints"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--rows", defaultValue = "50000", description = "source turns to generate (default ${DEFAULT-VALUE})")
    int rows;

    @Option(names = "--bad-rows-per-kind", defaultValue = "30", description = "bad rows of each kind (default ${DEFAULT-VALUE})")
    int badPerKind;

    @Option(names = "--rate-limit", defaultValue = "600", description = "Synap requests per minute, emulator and client (default ${DEFAULT-VALUE})")
    int rateLimit;

    @Option(names = "--latency-p50-ms", defaultValue = "150", description = "emulator median latency (default ${DEFAULT-VALUE})")
    long p50;

    @Option(names = "--latency-p95-ms", defaultValue = "400", description = "emulator p95 latency (default ${DEFAULT-VALUE})")
    long p95;

    @Option(names = "--faults", description = "turn on the emulator's fault injection (503s, drops, slow accepts, 429 bursts)")
    boolean faults;

    @Option(names = "--duplicates", defaultValue = "item-failure", description = "emulator duplicate policy: item-failure, conflict, upsert")
    String duplicates;

    @Option(names = "--concurrency", defaultValue = "0", description = "workers (1..1000; default: the planner's recommendation)")
    int concurrency;

    @Option(names = "--seed", defaultValue = "7", description = "data and fault seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--db", defaultValue = "postgres", description = "the embedded source database: postgres or mysql (MariaDB 11.4) (default ${DEFAULT-VALUE})")
    String db;

    @Option(names = "--keep", description = "leave the services up afterwards and print their endpoints")
    boolean keep;

    @Option(names = "--failed-share", defaultValue = "0.01", description = "emulated share of documents whose extraction fails (default ${DEFAULT-VALUE})")
    double failedShare;

    @Option(names = "--verify-sample", defaultValue = "200", description = "documents the closing verify checks, 0 = none (default ${DEFAULT-VALUE})")
    int verifySample;

    @Override
    public Integer call() throws Exception {
        PrintStream out = PrintableStream.of(System.out);
        EmulatorSettings.DuplicatePolicy policy = checkedOptions();
        Parts parts = startParts(out, policy);
        SynapEmulator emulator = parts.emulator();
        String runId = parts.runId();
        LocalRun run = new LocalRun(parts.deployment());
        PlannerResults.Start start = run.start(PlannerRequest.of(PlannerRequest.Action.START, runId));
        int workers = concurrency > 0 ? concurrency : start.recommendedConcurrency();
        start.notes().forEach(out::println);
        out.printf("Run %s: %d shards over ~%,d rows; ceiling %.0f docs/s at %d req/min; ETA %s; %s.%n",
                runId, start.shards(), start.estimatedRows(), start.ceilingDocsPerSecond(), rateLimit,
                Progress.eta(start.etaSeconds()), workers == 1 ? "1 worker" : workers + " workers");
        long t1 = System.currentTimeMillis();
        PlannerResults.Status status;
        try (Progress progress = new Progress(out, System.console() != null, 5_000)) {
            status = run.work(runId, workers, Duration.ofSeconds(60), Duration.ofHours(2), Duration.ofMillis(500), progress);
        }
        double elapsed = (System.currentTimeMillis() - t1) / 1000.0;
        summary(out, run.planner().report(runId), status, start, emulator, elapsed);
        boolean holds = invariant(out, parts.loaded(), status.counters(), emulator.stats(), policy);
        if (verifySample > 0 && "COMPLETED".equals(status.status())) verify(out, parts.deployment(), runId);
        page(out, run, parts.deployment(), runId);
        if (keep) keepUp(out, parts, run);
        emulator.close();
        if (status.blocked()) return BackfillCommand.BLOCKED;
        if (!"COMPLETED".equals(status.status())) return BackfillCommand.ERROR;
        return holds ? BackfillCommand.OK : BackfillCommand.INVARIANT;
    }

    /** The options checked, each error naming the option; the emulator's duplicate policy parsed. */
    private EmulatorSettings.DuplicatePolicy checkedOptions() {
        if (rows < 1) throw new IllegalArgumentException("--rows: must be >= 1, was " + rows);
        if (concurrency < 0 || concurrency > 1000)
            throw new IllegalArgumentException("--concurrency: must be 1..1000, was " + concurrency);
        if (rateLimit < 1) throw new IllegalArgumentException("--rate-limit: must be >= 1, was " + rateLimit);
        if (failedShare < 0 || failedShare > 0.5) throw new IllegalArgumentException("--failed-share: must be 0..0.5, was " + failedShare);
        if (verifySample < 0) throw new IllegalArgumentException("--verify-sample: must be >= 0, was " + verifySample);
        EmulatorSettings.DuplicatePolicy policy;
        try {
            policy = EmulatorSettings.DuplicatePolicy.valueOf(duplicates.toUpperCase().replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--duplicates: must be item-failure, conflict or upsert, was " + duplicates);
        }
        if (!db.equals("postgres") && !db.equals("mysql"))
            throw new IllegalArgumentException("--db: must be postgres or mysql, was \"" + db + "\"");
        return policy;
    }

    /** What the demo started: the source (url, user, password) and its synthetic history, the emulator, the deployment. */
    private record Parts(String dbName, String[] source, SyntheticHistory.Loaded loaded, SynapEmulator emulator,
                         LocalDeployment deployment, String runId) {
    }

    /** The embedded database seeded while the AWS stand-ins start on their own threads; then the emulator and the deployment. */
    private Parts startParts(PrintStream out, EmulatorSettings.DuplicatePolicy policy) throws Exception {
        String dbName = db.equals("mysql") ? "MariaDB" : "PostgreSQL";
        long t0 = System.currentTimeMillis();
        out.println("Starting embedded " + dbName + ", DynamoDB Local, ElasticMQ, s3mock and the Synap emulator...");
        ExecutorService boot = Executors.newFixedThreadPool(3);
        Future<String> dynamoUp = boot.submit(RealParts::dynamo);
        Future<String> sqsUp = boot.submit(RealParts::sqs);
        Future<String> s3Up = boot.submit(RealParts::s3);
        boot.shutdown();
        String[] source; // url, user, password
        if (db.equals("mysql")) {
            source = new String[] {RealParts.mariaDb().jdbcUrl(), EmbeddedMariaDb.USER, EmbeddedMariaDb.PASSWORD};
        } else {
            RealParts.Postgres pg = RealParts.postgres();
            source = new String[] {pg.jdbcUrl(), pg.user(), pg.password()};
        }
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(source[0], source[1], source[2], "turns",
                SyntheticHistory.Options.of(rows).withBadRowsPerKind(Math.min(badPerKind, rows / 7)).withSeed(seed));
        SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(rateLimit)
                .latency(Duration.ofMillis(p50), Duration.ofMillis(Math.max(p50, p95))).duplicatePolicy(policy)
                .faults(faults ? EmulatorSettings.Faults.TYPICAL : EmulatorSettings.Faults.NONE).seed(seed)
                .extraction(new EmulatorSettings.Extraction(Duration.ofSeconds(2), failedShare, failedShare / 2))
                .credits(new EmulatorSettings.Credits(DEMO_CREDITS, 1, true)).build());
        String runId = RunIds.generate(Clock.systemUTC());
        Map<String, String> env = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, source[0], source[1], source[2], "turns");
        env.put("SYNAP_READ_TIMEOUT_MS", "2500");
        env.put("SYNAP_CALL_TIMEOUT_MS", "5000");
        env.put("RATE_LIMIT_PER_MINUTE", Integer.toString(rateLimit));
        env.put("SHARD_TARGET_ROWS", Integer.toString(Math.max(500, rows / 20)));
        env.put("LEASE_SECONDS", "30");
        LocalDeployment deployment = LocalDeployment.create("demo-" + runId.substring(runId.length() - 6),
                dynamoUp.get(), sqsUp.get(), s3Up.get(), env);
        out.printf("Loaded %,d turns (%d bad rows planted) into %s in %.1f s.%n", loaded.rows(), loaded.badRows(), dbName,
                (System.currentTimeMillis() - t0) / 1000.0);
        return new Parts(dbName, source, loaded, emulator, deployment, runId);
    }

    /** The run's outcome: counters, failures by class, what Synap received and retried, speed against the ceiling, credits. */
    private static void summary(PrintStream out, PlannerResults.Report report, PlannerResults.Status status,
                                PlannerResults.Start start, SynapEmulator emulator, double elapsed) {
        Counters c = status.counters();
        EmulatorStats.Snapshot stats = emulator.stats();
        out.println();
        out.println("Run " + status.runId() + ": " + status.status() + (status.reason() == null ? "" : " (" + status.reason() + ")"));
        out.printf("  rows read        %,10d%n", c.rowsRead());
        out.printf("  accepted         %,10d%n", c.accepted());
        out.printf("  already present  %,10d%n", c.alreadyPresent());
        out.printf("  failed           %,10d%n", c.failed());
        report.failuresByClass().forEach((k, v) -> out.printf("    %-32s %,6d%n", k, v));
        out.printf("  calls %,d, 429s %,d, p95 latency %d ms%n", c.calls(), c.throttled(), status.latencyP95Millis());
        // what the client retried (inside a call, with backoff) is what Synap received beyond the answered calls
        out.printf("  Synap received %,d batch requests for %,d answered calls: %,d retried (503s %,d, dropped %,d, "
                        + "accepted-then-slow %,d, 429s %,d)%n", stats.batchCalls(), c.calls(), Math.max(0, stats.batchCalls() - c.calls()),
                stats.status(503), stats.dropped(), stats.acceptedThenSlow(), stats.status(429));
        double docsPerSecond = c.handled() / Math.max(0.001, elapsed);
        out.printf("  elapsed %.1f s, %.0f docs/s = %.0f%% of the %.0f docs/s ceiling%n", elapsed, docsPerSecond,
                100 * docsPerSecond / start.ceilingDocsPerSecond(), start.ceilingDocsPerSecond());
        out.printf("  credits spent %,.0f of the emulated wallet's %,d (balance now %,.0f)%n", emulator.creditsSpent(), DEMO_CREDITS,
                emulator.creditBalance());
        out.println("  report: " + report.reportLocation() + " (S3 endpoint " + RealParts.s3() + ")");
    }

    /** The invariant, checked against the source and against what Synap (the emulator) actually stored; true when it holds. */
    private static boolean invariant(PrintStream out, SyntheticHistory.Loaded loaded, Counters c, EmulatorStats.Snapshot stats,
                                     EmulatorSettings.DuplicatePolicy policy) {
        boolean sourceBalanced = c.rowsRead() == loaded.rows() && c.handled() == loaded.rows();
        boolean synapBalanced = stats.accepted() == c.accepted() + c.alreadyPresent() - stats.updates()
                || (policy == EmulatorSettings.DuplicatePolicy.UPSERT && stats.accepted() == loaded.validRows());
        boolean failuresMatch = c.failed() == loaded.badRows();
        boolean everyValidOnce = stats.accepted() == loaded.validRows();
        out.printf("Invariant: source %,d = accepted %,d + already present %,d + failed %,d: %s; Synap stored %,d distinct "
                        + "documents for %,d valid rows: %s%n", loaded.rows(), c.accepted(), c.alreadyPresent(), c.failed(),
                sourceBalanced && failuresMatch ? "holds" : "BROKEN", stats.accepted(), loaded.validRows(),
                everyValidOnce && synapBalanced ? "exactly once" : "MISMATCH");
        return sourceBalanced && failuresMatch && everyValidOnce && synapBalanced;
    }

    /** {@code --keep}: the services' endpoints printed, the planner served as a Lambda function, until Ctrl-C. */
    private static void keepUp(PrintStream out, Parts parts, LocalRun run) throws Exception {
        LocalDeployment deployment = parts.deployment();
        out.println("Services stay up (Ctrl-C to stop):");
        out.println("  " + parts.dbName() + "  " + parts.source()[0]);
        out.println("  DynamoDB    " + RealParts.dynamo() + "  table " + deployment.table());
        out.println("  SQS         " + RealParts.sqs() + "  queue " + deployment.queueUrl());
        out.println("  S3          " + RealParts.s3() + "  bucket " + deployment.bucket());
        out.println("  Synap       " + parts.emulator().baseUrl() + "  key " + EmulatorSettings.DEFAULT_API_KEY);
        // the planner as a deployed function: the operator commands work on the demo as on a stack
        LocalLambdaEndpoint lambda = LocalLambdaEndpoint.start(Map.of("demo-planner", new PlannerHandler(run.planner())));
        out.println("  Lambda      " + lambda.url() + "  function demo-planner (Invoke API)");
        out.println("Operate it as a deployed stack from another terminal, e.g.:");
        out.printf("  LAMBDA_ENDPOINT=%s DYNAMODB_ENDPOINT=%s ./backfill status %s --planner-function demo-planner%n",
                lambda.url(), RealParts.dynamo(), parts.runId());
        out.printf("  DYNAMODB_ENDPOINT=%s ./backfill failures %s --ledger-table %s --reason bad_row:empty_text%n",
                RealParts.dynamo(), parts.runId(), deployment.table());
        new CountDownLatch(1).await();
    }

    /** The run's page (after verify, so it shows the outcome), copied out of the emulated bucket to a file to open. */
    private void page(PrintStream out, LocalRun run, LocalDeployment d, String runId) {
        PlannerResults.Report again = run.planner().report(runId);
        if (again.pageLocation() == null || d.bucket() == null) return;
        byte[] page = new com.synapbackfill.report.S3ReportStore(d.aws().s3(), d.bucket()).get(PlannerResults.pageKey(runId)).orElse(null);
        if (page == null) return;
        try {
            // a new file of its own (0600, created exclusively): a link planted at a known name in /tmp is never followed
            java.nio.file.Path file = java.nio.file.Files.createTempFile("synap-backfill-" + runId + "-", ".html");
            java.nio.file.Files.write(file, page, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            out.println("Page: " + file.toUri() + " (charts of the run; open it in a browser — `backfill report RUN --html FILE` on a real run)");
        } catch (java.io.IOException e) {
            out.println("Page: " + again.pageLocation() + " (could not copy it to a file: " + e.getMessage() + ")");
        }
    }

    /** The emulated Synap's credit balance at the demo's start (one credit per accepted document). */
    static final int DEMO_CREDITS = 100_000;

    /** What `backfill verify RUN --sample N --wait` would print, in one line: did the documents become memories? */
    private void verify(PrintStream out, LocalDeployment d, String runId) throws InterruptedException {
        var settings = d.settings();
        var run = new com.synapbackfill.ledger.DynamoDbLedger(d.aws().dynamo(), d.table(), Clock.systemUTC()).run(runId).orElseThrow();
        var synap = com.synapbackfill.worker.WorkerComponents.synapFor(run, settings,
                com.synapbackfill.worker.WorkerComponents.synapConfig(settings, EmulatorSettings.DEFAULT_API_KEY), d.aws(), Clock.systemUTC());
        var verifier = new com.synapbackfill.worker.ExtractionVerifier(new com.synapbackfill.report.S3ReportStore(d.aws().s3(), d.bucket()),
                synap, Clock.systemUTC(), Sleeper.REAL);
        long t0 = System.currentTimeMillis();
        var r = verifier.verify(runId, run.counters().accepted(), new com.synapbackfill.worker.ExtractionVerifier.Options(verifySample, false,
                true, Duration.ofMinutes(2), Duration.ofSeconds(2), seed, 8), line -> { });
        StringBuilder by = new StringBuilder();
        r.byStatus().forEach((k, v) -> by.append(by.isEmpty() ? "" : ", ").append(k).append(' ').append(v));
        out.printf("Verify: %d of %,d accepted documents sampled, polled %.0f s: %s; memories created %,d; failed extractions "
                        + "%.1f %% (95 %%: %.1f-%.1f %% of the run; the emulator fails %.1f %% by --failed-share)%n", r.sampled(), r.population(),
                (System.currentTimeMillis() - t0) / 1000.0, by, r.memoriesCreated(), 100 * r.estimatedFailedShare(), 100 * r.ci95().low(),
                100 * r.ci95().high(), 100 * failedShare);
    }
}
