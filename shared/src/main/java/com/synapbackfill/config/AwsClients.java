package com.synapbackfill.config;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the AWS SDK clients once per cold start, all on the URL-connection HTTP client (small and fast to
 * start; the Netty and Apache clients are excluded from the build). Region and credentials come from the
 * default chain; endpoints may be overridden for local runs. Each client is built on first use and then shared
 * (SDK clients are thread-safe): a secret read, say, does not build a Secrets Manager client each time. Callers
 * never close them; they live as long as this object.
 */
public final class AwsClients {
    private final Settings.Endpoints endpoints;
    private final SdkHttpClient http;
    private volatile DynamoDbClient dynamo;
    private volatile SqsClient sqs;
    private volatile S3Client s3;
    private volatile LambdaClient lambda;
    private volatile SecretsManagerClient secrets;
    private final DynamoDbCapacity capacity = new DynamoDbCapacity();

    /** What else watches the DynamoDB client's calls (a local ledger's disk: the CLI), beside the capacity count. */
    private final java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> dynamoInterceptors;

    public AwsClients(Settings.Endpoints endpoints) {
        this(endpoints, java.util.List.of());
    }

    /** @param dynamoInterceptors interceptors added to the DynamoDB client (e.g. one that tells a full local disk from a 500) */
    public AwsClients(Settings.Endpoints endpoints, java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> dynamoInterceptors) {
        this.endpoints = endpoints;
        this.dynamoInterceptors = java.util.List.copyOf(dynamoInterceptors);
        this.http = UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30)).build();
    }

    public synchronized DynamoDbClient dynamo() {
        if (dynamo == null) dynamo = buildDynamo();
        return dynamo;
    }

    public synchronized SqsClient sqs() {
        if (sqs == null) sqs = buildSqs();
        return sqs;
    }

    public synchronized S3Client s3() {
        if (s3 == null) s3 = buildS3();
        return s3;
    }

    public synchronized LambdaClient lambda() {
        if (lambda == null) lambda = buildLambda();
        return lambda;
    }

    public synchronized SecretsManagerClient secrets() {
        if (secrets == null) secrets = SecretsManagerClient.builder().httpClient(http).build();
        return secrets;
    }

    /** Request units the ledger and the limiter have consumed through {@link #dynamo()}, from DynamoDB's answers. */
    public DynamoDbCapacity dynamoCapacity() {
        return capacity;
    }

    private DynamoDbClient buildDynamo() {
        var b = DynamoDbClient.builder().httpClient(http)
                .overrideConfiguration(o -> {
                    o.addExecutionInterceptor(capacity);
                    dynamoInterceptors.forEach(o::addExecutionInterceptor);
                });
        if (endpoints.dynamodb() != null) local(b).endpointOverride(URI.create(endpoints.dynamodb()));
        return b.build();
    }

    private SqsClient buildSqs() {
        var b = SqsClient.builder().httpClient(http);
        if (endpoints.sqs() != null) local(b).endpointOverride(URI.create(endpoints.sqs()));
        return b.build();
    }

    /**
     * Checksums only where S3 requires them: the SDK's default (a CRC32 trailer on every upload, sent as
     * aws-chunked encoding) cost the worker a quarter of its CPU per step for one small receipt object (JFR,
     * {@code ./backfill bench --only cost}); TLS already protects the bytes in transit.
     */
    private S3Client buildS3() {
        var b = S3Client.builder().httpClient(http)
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                // every object here is a byte array of known length: sign it whole rather than as aws-chunked
                // encoding, which over a plain-HTTP endpoint (s3mock, LocalStack) signed each receipt chunk by chunk
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().chunkedEncodingEnabled(false).build());
        if (endpoints.s3() != null) local(b).endpointOverride(URI.create(endpoints.s3())).forcePathStyle(true);
        return b.build();
    }

    /**
     * A local endpoint (DynamoDB Local, ElasticMQ, s3mock) needs a region and some credentials but must never
     * depend on the machine's AWS configuration: use the environment's when present, else fixed dummies.
     */
    private static <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>> B local(B b) {
        String region = System.getenv("AWS_REGION") != null ? System.getenv("AWS_REGION") : "us-east-1";
        b.region(software.amazon.awssdk.regions.Region.of(region));
        if (System.getenv("AWS_ACCESS_KEY_ID") == null) {
            b.credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                    software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("local", "local")));
        }
        return b;
    }

    private LambdaClient buildLambda() {
        var b = LambdaClient.builder().httpClient(http);
        if (endpoints.lambda() != null) local(b).endpointOverride(URI.create(endpoints.lambda()));
        return b.build();
    }
}
