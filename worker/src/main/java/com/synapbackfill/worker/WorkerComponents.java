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
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapApi;
import com.synapbackfill.synap.SynapClientConfig;
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
            "dynamodb:GetItem", "dynamodb:UpdateItem", "sqs:SendMessage", "secretsmanager:GetSecretValue");

    /** Environment the worker cannot start without (in Lambda). */
    public static final java.util.List<String> REQUIRED_ENV = java.util.List.of("LEDGER_TABLE", "SHARD_QUEUE_URL",
            "SOURCE_JDBC_URL", "SOURCE_DB_SECRET_ARN", "SYNAP_API_KEY_SECRET_ARN");

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
        Ledger ledger = new DynamoDbLedger(aws.dynamo(), settings.ledgerTable(), clock);
        ShardQueue queue = new SqsShardQueue(aws.sqs(), settings.requireQueueUrl());
        RunResources.Factory factory = resources(settings, env, aws, clock);
        WorkerOptions options = new WorkerOptions("worker-" + UUID.randomUUID().toString().substring(0, 8),
                settings.leaseDuration(), settings.workerReserve(), Duration.ofSeconds(3), settings.shardRetryDelayBase(),
                Duration.ofMinutes(15));
        WorkerMetrics metrics = env.containsKey("AWS_LAMBDA_FUNCTION_NAME") ? new EmfWorkerMetrics(System.out) : WorkerMetrics.NONE;
        return new WorkerComponents(new ShardWorker(ledger, queue, factory, options, clock, crash, metrics));
    }

    /**
     * Per-run resources from the deployment's settings: the source with the database credentials, and a Synap
     * client behind the fleet-wide rate limiter of the run's Instance (the failure retry uses the same).
     */
    public static RunResources.Factory resources(Settings settings, Map<String, String> env, AwsClients aws, Clock clock) {
        DynamoDbClient dynamo = aws.dynamo();
        Secrets secrets = new Secrets(env, arn -> aws.secrets().getSecretValue(r -> r.secretId(arn)).secretString());
        String apiKey = secrets.synapApiKey(settings);
        if (settings.jdbcUrl() == null) throw new IllegalArgumentException("SOURCE_JDBC_URL: is required");
        JdbcConnectionSettings db = new JdbcConnectionSettings(settings.jdbcUrl(), secrets.dbUser(settings),
                secrets.dbPassword(settings));
        SynapClientConfig synapConfig = new SynapClientConfig(settings.synapBaseUrl(), apiKey,
                settings.synapConnectTimeout(), settings.synapReadTimeout(), Duration.ofSeconds(10),
                settings.synapCallTimeout(), settings.synapMaxAttempts(), settings.synapMaxRetryTime(),
                settings.synapBackoffBase(), settings.synapBackoffMax());
        return run -> open(run, db, synapConfig, dynamo, settings, clock);
    }

    private static RunResources open(RunState run, JdbcConnectionSettings db, SynapClientConfig synapConfig,
                                     DynamoDbClient dynamo, Settings settings, Clock clock) {
        RunConfig cfg = run.config();
        int maxPermits = cfg.rateLimitUnit() == RunConfig.RateLimitUnit.CALL ? 1 : cfg.batchSize();
        LimiterGate gate = new LimiterGate(new DynamoDbRateLimiter(dynamo, settings.ledgerTable(), settings.rateScope(),
                cfg.rateLimitPerMinute(), maxPermits, clock), cfg.rateLimitUnit(), clock);
        SynapApi synap = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), synapConfig,
                new TroubleGate(gate, new DynamoDbLedger(dynamo, settings.ledgerTable(), clock), run.runId(), clock),
                OkHttpSynapApi.Sleeper.REAL, clock);
        TurnSource source = new JdbcTurnSource(db, cfg.source());
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
            public void close() {
                source.close();
            }
        };
    }
}
