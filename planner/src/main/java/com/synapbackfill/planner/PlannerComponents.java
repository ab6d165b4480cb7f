package com.synapbackfill.planner;

import com.synapbackfill.config.AwsClients;
import com.synapbackfill.config.Secrets;
import com.synapbackfill.config.Settings;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.queue.SqsShardQueue;
import com.synapbackfill.report.S3ReportStore;
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.lambda.LambdaClient;

/** The planner's composition root: every collaborator built once per cold start from an environment map. */
public final class PlannerComponents {
    /**
     * Every AWS action the planner's code calls, kept next to the wiring that makes the calls; the template
     * consistency test checks that template.yaml grants each one.
     */
    public static final java.util.List<String> AWS_ACTIONS = java.util.List.of(
            "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem",
            "sqs:SendMessage", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "secretsmanager:GetSecretValue", "lambda:UpdateEventSourceMapping");

    /** Environment the planner cannot start without (in Lambda). */
    public static final java.util.List<String> REQUIRED_ENV = java.util.List.of("LEDGER_TABLE", "SHARD_QUEUE_URL",
            "REPORT_BUCKET", "SOURCE_JDBC_URL", "SOURCE_DB_SECRET_ARN", "SYNAP_API_KEY_SECRET_ARN");

    private PlannerComponents() {
    }

    public static PlannerService fromEnvironment(Map<String, String> env) {
        Settings settings = Settings.fromEnvironment(env);
        return create(settings, env, new AwsClients(settings.endpoints()), Clock.systemUTC());
    }

    /** The deployment's planner: reports go to the S3 bucket of REPORT_BUCKET. */
    public static PlannerService create(Settings settings, Map<String, String> env, AwsClients aws, Clock clock) {
        return create(settings, env, aws, new S3ReportStore(aws.s3(), settings.requireReportBucket()), clock);
    }

    /** The shard queue; without SHARD_QUEUE_URL (an operator's status/report/tune) sending is what fails, naming it. */
    private static com.synapbackfill.queue.ShardQueue queue(Settings settings, AwsClients aws) {
        if (settings.shardQueueUrl() != null) return new SqsShardQueue(aws.sqs(), settings.shardQueueUrl());
        return new com.synapbackfill.queue.ShardQueue() {
            @Override
            public void send(java.util.List<com.synapbackfill.model.ShardMessage> messages) {
                settings.requireQueueUrl();
            }

            @Override
            public void send(java.util.List<com.synapbackfill.model.ShardMessage> messages, java.time.Duration delay) {
                settings.requireQueueUrl();
            }
        };
    }

    /** @param reports where reports go (a local run's state directory, a test's memory) */
    public static PlannerService create(Settings settings, Map<String, String> env, AwsClients aws,
                                        com.synapbackfill.report.ReportStore reports, Clock clock) {
        Secrets secrets = new Secrets(env, arn -> aws.secrets().getSecretValue(r -> r.secretId(arn)).secretString());
        // The source is opened only to plan (start): status, report and tune from an operator's machine need no
        // database. In Lambda the template always sets it (REQUIRED_ENV).
        JdbcConnectionSettings db = settings.source().jdbcUrl() == null ? null
                : new JdbcConnectionSettings(settings.source().jdbcUrl(), secrets.dbUser(settings), secrets.dbPassword(settings),
                        settings.source().statementTimeout());
        ConcurrencyTuner tuner = ConcurrencyTuner.NONE;
        if (settings.planner().workerMappingUuid() != null) {
            LambdaClient lambda = aws.lambda();
            String uuid = settings.planner().workerMappingUuid();
            // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
            tuner = c -> {
                lambda.updateEventSourceMapping(r -> r.uuid(uuid).scalingConfig(s -> s.maximumConcurrency(c)));
                return uuid;
            };
        }
        return new PlannerService(new DynamoDbLedger(aws.dynamo(), settings.ledgerTable(), clock),
                queue(settings, aws), src -> {
                    if (db == null) throw new IllegalArgumentException("SOURCE_JDBC_URL: is required to plan a run");
                    // every start says it when the source connection asks for no TLS
                    if (db.tlsWarning() != null) org.slf4j.LoggerFactory.getLogger(PlannerComponents.class).warn("{}", db.tlsWarning());
                    return new JdbcTurnSource(db, src);
                },
                java.util.Objects.requireNonNull(reports, "reports"), tuner, settings.runDefaults(),
                settings.planner().tuneHeadroom(), clock, preflight(settings, secrets, clock));
    }

    /**
     * Synap asked before a run is created (its Instance's isolation, the credits): the key is read then, so that status,
     * report and tune from an operator's machine need none.
     */
    static RunPreflight.Port preflight(Settings settings, Secrets secrets, Clock clock) {
        return (config, documents, customerMapped) -> {
            var api = new com.synapbackfill.synap.OkHttpSynapApi(com.synapbackfill.synap.OkHttpSynapApi.sharedHttpClient(),
                    com.synapbackfill.synap.SynapClientConfig.of(settings.synap(), secrets.synapApiKey(settings)),
                    com.synapbackfill.synap.SynapApi.CallGate.NONE, com.synapbackfill.retry.Sleeper.REAL, clock);
            return new RunPreflight(api).check(config, documents, customerMapped);
        };
    }
}
