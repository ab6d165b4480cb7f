package com.synapbackfill.worker;

import com.synapbackfill.config.AwsClients;
import com.synapbackfill.config.Secrets;
import com.synapbackfill.config.Settings;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.limit.DynamoDbRateLimiter;
import com.synapbackfill.limit.LimiterGate;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.queue.ShardQueue;
import com.synapbackfill.queue.SqsShardQueue;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import com.synapbackfill.report.ReceiptLog;
import com.synapbackfill.report.Receipts;
import com.synapbackfill.report.ReportStore;
import com.synapbackfill.report.S3ReportStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The worker's composition root: builds every collaborator once per cold start from an environment map.
 * The Lambda handler and the CLI's local event source mapping both use it.
 */
public final class WorkerComponents {
    /**
     * Every AWS action the worker's code calls (transactions need the actions of their parts), kept next to
     * the wiring; the template consistency test checks that template.yaml grants each one. The SQS poller
     * actions are granted by the SQS event source itself.
     */
    public static final java.util.List<String> AWS_ACTIONS = java.util.List.of(
            "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchGetItem", "sqs:SendMessage",
            "secretsmanager:GetSecretValue", "s3:PutObject");

    /** Every AWS action the verify function's code calls (template consistency test). */
    public static final java.util.List<String> VERIFY_AWS_ACTIONS = java.util.List.of(
            "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchGetItem", "s3:ListBucket", "s3:GetObject",
            "s3:PutObject", "secretsmanager:GetSecretValue");

    /** Environment the worker cannot start without (in Lambda). */
    public static final java.util.List<String> REQUIRED_ENV = java.util.List.of("LEDGER_TABLE", "SHARD_QUEUE_URL",
            "SOURCE_JDBC_URL", "SOURCE_DB_SECRET_ARN", "SYNAP_API_KEY_SECRET_ARN");

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerComponents.class);

    private final ShardWorker worker;

    private WorkerComponents(ShardWorker worker) {
        this.worker = worker;
    }

    public ShardWorker worker() {
        return worker;
    }

    public static WorkerComponents fromEnvironment(Map<String, String> env) {
        Settings settings = Settings.fromEnvironment(env);
        AwsClients aws = new AwsClients(settings.endpoints());
        return create(settings, env, aws, ShardWorker.CrashPoints.NONE, Clock.systemUTC());
    }

    public static WorkerComponents create(Settings settings, Map<String, String> env, AwsClients aws,
                                          ShardWorker.CrashPoints crash, Clock clock) {
        return create(settings, env, aws, null, crash, clock);
    }

    /** @param reports where receipts go instead of the deployment's REPORT_BUCKET (a local run's state directory) */
    public static WorkerComponents create(Settings settings, Map<String, String> env, AwsClients aws, ReportStore reports,
                                          ShardWorker.CrashPoints crash, Clock clock) {
        return create(settings, env, aws, reports, crash, clock, Sleeper.REAL);
    }

    /** @param sleeper how the limiter and the Synap client wait (a local run's wakes at once when the operator stops it) */
    public static WorkerComponents create(Settings settings, Map<String, String> env, AwsClients aws, ReportStore reports,
                                          ShardWorker.CrashPoints crash, Clock clock, Sleeper sleeper) {
        Ledger ledger = new DynamoDbLedger(aws.dynamo(), settings.ledgerTable(), clock);
        ShardQueue queue = new SqsShardQueue(aws.sqs(), settings.requireQueueUrl());
        RunResources.Factory factory = resources(settings, env, aws, reports, clock, sleeper);
        WorkerOptions options = new WorkerOptions("worker-" + UUID.randomUUID().toString().substring(0, 8),
                settings.worker().lease(), settings.worker().reserve(), settings.worker().runStatusCache(), settings.worker().shardRetryDelayBase(),
                Duration.ofMinutes(15));
        WorkerMetrics metrics = env.containsKey("AWS_LAMBDA_FUNCTION_NAME") ? new EmfWorkerMetrics(System.out) : WorkerMetrics.NONE;
        return new WorkerComponents(new ShardWorker(ledger, queue, factory, options, clock, crash, metrics));
    }

    /**
     * Per-run resources from the deployment's settings: the source with the database credentials, and a Synap
     * client behind the fleet-wide rate limiter of the run's Instance (the failure retry uses the same).
     */
    public static RunResources.Factory resources(Settings settings, Map<String, String> env, AwsClients aws, Clock clock) {
        return resources(settings, env, aws, null, clock);
    }

    /** @param reports where receipts go; null = the S3 bucket of REPORT_BUCKET, or none without one */
    public static RunResources.Factory resources(Settings settings, Map<String, String> env, AwsClients aws, ReportStore reports,
                                                 Clock clock) {
        return resources(settings, env, aws, reports, clock, Sleeper.REAL);
    }

    private static RunResources.Factory resources(Settings settings, Map<String, String> env, AwsClients aws, ReportStore reports,
                                                  Clock clock, Sleeper sleeper) {
        DynamoDbClient dynamo = aws.dynamo();
        ReceiptLog receipts = receiptLog(settings, aws, reports);
        Secrets secrets = new Secrets(env, arn -> aws.secrets().getSecretValue(r -> r.secretId(arn)).secretString());
        String apiKey = secrets.synapApiKey(settings);
        if (settings.source().jdbcUrl() == null) throw new IllegalArgumentException("SOURCE_JDBC_URL: is required");
        JdbcConnectionSettings db = new JdbcConnectionSettings(settings.source().jdbcUrl(), secrets.dbUser(settings),
                secrets.dbPassword(settings), settings.source().statementTimeout());
        SynapClientConfig synapConfig = synapConfig(settings, apiKey);
        return run -> open(run, db, synapConfig, dynamo, settings, receipts, clock, sleeper);
    }

    /** The Synap client settings of a deployment (timeouts, retry budget) with {@code apiKey}. */
    public static SynapClientConfig synapConfig(Settings settings, String apiKey) {
        return SynapClientConfig.of(settings.synap(), apiKey);
    }

    private static ReceiptLog receiptLog(Settings settings, AwsClients aws, ReportStore reports) {
        if (reports != null) return new Receipts(reports);
        if (settings.reportBucket() != null) return new Receipts(new S3ReportStore(aws.s3(), settings.reportBucket()));
        LOG.warn("no REPORT_BUCKET: ingestion receipts are not kept, so `backfill verify` cannot check this deployment's runs");
        return ReceiptLog.NONE;
    }

    /** The verify function's service: the deployment's ledger, report bucket and Synap key, the run's limiter. */
    public static VerifyStep verifyStep(Map<String, String> env) {
        Settings settings = Settings.fromEnvironment(env);
        AwsClients aws = new AwsClients(settings.endpoints());
        Clock clock = Clock.systemUTC();
        Secrets secrets = new Secrets(env, arn -> aws.secrets().getSecretValue(r -> r.secretId(arn)).secretString());
        SynapClientConfig synapConfig = synapConfig(settings, secrets.synapApiKey(settings));
        return new VerifyStep(new DynamoDbLedger(aws.dynamo(), settings.ledgerTable(), clock),
                new S3ReportStore(aws.s3(), settings.requireReportBucket()), run -> synapFor(run, settings, synapConfig, aws, clock), clock);
    }

    /**
     * A Synap client for a run's operator calls (verify's status lookups): the run's Instance limiter in the
     * ledger table, so they share the rate limit with any running workers.
     */
    public static SynapApi synapFor(RunState run, Settings settings, SynapClientConfig synapConfig, AwsClients aws, Clock clock) {
        return new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), synapConfig, limiterGate(run, aws.dynamo(), settings, clock, Sleeper.REAL),
                Sleeper.REAL, clock);
    }

    /** The fleet-wide limiter of the run's Instance (RATE_SCOPE) at the run's rate, in the ledger table. */
    private static LimiterGate limiterGate(RunState run, DynamoDbClient dynamo, Settings settings, Clock clock, Sleeper sleeper) {
        RunConfig cfg = run.config();
        int maxPermits = cfg.rateLimitUnit() == RunConfig.RateLimitUnit.CALL ? 1 : cfg.batchSize();
        return new LimiterGate(new DynamoDbRateLimiter(dynamo, settings.ledgerTable(), settings.rateScope(),
                cfg.rateLimitPerMinute(), maxPermits, clock, sleeper), cfg.rateLimitUnit(), clock);
    }

    private static RunResources open(RunState run, JdbcConnectionSettings db, SynapClientConfig synapConfig,
                                     DynamoDbClient dynamo, Settings settings, ReceiptLog receipts, Clock clock, Sleeper sleeper) {
        RunConfig cfg = run.config();
        LimiterGate gate = limiterGate(run, dynamo, settings, clock, sleeper);
        SynapApi synap = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), synapConfig,
                new TroubleGate(gate, new DynamoDbLedger(dynamo, settings.ledgerTable(), clock), run.runId(), clock),
                sleeper, clock);
        TurnSource source = new JdbcTurnSource(db, cfg.source(), cfg.maxDocumentBytes());
        return new RunResources() {
            @Override
            public TurnSource source() {
                return source;
            }

            @Override
            public SynapApi synap() {
                return synap;
            }

            @Override
            public ReceiptLog receipts() {
                return receipts;
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }
}
