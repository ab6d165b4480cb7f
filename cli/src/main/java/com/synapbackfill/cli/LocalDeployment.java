package com.synapbackfill.cli;

import com.synapbackfill.config.AwsClients;
import com.synapbackfill.config.Settings;
import com.synapbackfill.ledger.LedgerTable;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The stack of template.yaml, made on local endpoints (DynamoDB Local, ElasticMQ, s3mock): ledger table,
 * shard queue with a DLQ redrive, report bucket (none when {@code s3Endpoint} is null: reports go elsewhere);
 * and the environment map the functions would get.
 *
 * @param env      what a function's environment would hold
 * @param queueUrl shard queue
 * @param dlqUrl   its dead-letter queue
 */
public record LocalDeployment(Map<String, String> env, String queueUrl, String dlqUrl, String table, String bucket,
                              AwsClients aws) {

    /** Redrive after this many receives, as the template's default. */
    public static final int MAX_RECEIVE_COUNT = 5;

    public static LocalDeployment create(String name, String dynamoEndpoint, String sqsEndpoint, String s3Endpoint,
                                         Map<String, String> extraEnv) {
        return create(name, dynamoEndpoint, sqsEndpoint, s3Endpoint, extraEnv, java.util.List.of());
    }

    /** @param dynamoInterceptors what watches the ledger's calls besides (a state directory's disk, {@link StateSpace}) */
    static LocalDeployment create(String name, String dynamoEndpoint, String sqsEndpoint, String s3Endpoint, Map<String, String> extraEnv,
                                  java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> dynamoInterceptors) {
        Settings.Endpoints endpoints = new Settings.Endpoints(dynamoEndpoint, sqsEndpoint, s3Endpoint, null);
        AwsClients aws = new AwsClients(endpoints, dynamoInterceptors);
        String table = name + "-ledger";
        LedgerTable.createIfMissing(aws.dynamo(), table);
        SqsClient sqs = aws.sqs();
        String dlqUrl = sqs.createQueue(r -> r.queueName(name + "-shards-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String queueUrl = sqs.createQueue(r -> r.queueName(name + "-shards").attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, "60",
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + MAX_RECEIVE_COUNT + "\"}")))
                .queueUrl();
        String bucket = s3Endpoint == null ? null : name.toLowerCase().replaceAll("[^a-z0-9-]", "-") + "-reports";
        if (bucket != null) {
            try {
                aws.s3().createBucket(r -> r.bucket(bucket));
            } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException
                     | software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException exists) {
                // reuse
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LEDGER_TABLE", table);
        env.put("SHARD_QUEUE_URL", queueUrl);
        if (bucket != null) {
            env.put("REPORT_BUCKET", bucket);
            env.put("S3_ENDPOINT", s3Endpoint);
        }
        env.put("DYNAMODB_ENDPOINT", dynamoEndpoint);
        env.put("SQS_ENDPOINT", sqsEndpoint);
        env.put("RATE_SCOPE", name);
        env.putAll(extraEnv);
        return new LocalDeployment(Map.copyOf(env), queueUrl, dlqUrl, table, bucket, aws);
    }

    /**
     * The environment of a run against a Synap at {@code synapBaseUrl} and the embedded (or any) PostgreSQL:
     * what the demo, the benchmarks and the integration tests share before their own settings.
     */
    public static Map<String, String> runEnv(String synapBaseUrl, String apiKey,
                                             com.synapbackfill.embedded.RealParts.Postgres pg, String table) {
        return runEnv(synapBaseUrl, apiKey, pg.jdbcUrl(), pg.user(), pg.password(), table);
    }

    /** The same for any source database. */
    public static Map<String, String> runEnv(String synapBaseUrl, String apiKey, String jdbcUrl, String user, String password, String table) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SYNAP_BASE_URL", synapBaseUrl);
        env.put("SYNAP_API_KEY", apiKey);
        env.put("SOURCE_JDBC_URL", jdbcUrl);
        env.put("SOURCE_DB_USER", user);
        env.put("SOURCE_DB_PASSWORD", password);
        env.put("SOURCE_TABLE", table);
        return env;
    }

    public Settings settings() {
        return Settings.fromEnvironment(env);
    }

    /** Same deployment, other environment values (e.g. a new API key). */
    public LocalDeployment withEnv(Map<String, String> more) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.putAll(more);
        return new LocalDeployment(Map.copyOf(e), queueUrl, dlqUrl, table, bucket, aws);
    }
}
