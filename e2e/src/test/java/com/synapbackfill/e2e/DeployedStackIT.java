package com.synapbackfill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.ChatLogFixture;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * template.yaml deployed for real — SAM transform, IAM, versions and the {@code live} alias, the SQS event
 * source mapping, the state machine — on LocalStack in host mode (see {@link LocalStackHost}), and driven the way
 * an operator drives an account: Step Functions executions and the {@code backfill} CLI with {@code --stack}.
 * The functions are the shaded jars on the real Java runtime (RIE + the runtime interface client); the
 * source is an embedded PostgreSQL and Synap the project's emulator, both on loopback, where the functions reach
 * them as they would reach an RDS instance and Synap.
 *
 * <p>What is changed for the test, and why: {@code StatusPollSeconds=2} (the production default polls every
 * minute), {@code LeaseSeconds=10} and the shard queue's visibility timeout lowered to 30 s after the deploy (it
 * is 5400 s, six worker timeouts; a killed worker's message would come back in 90 minutes).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployedStackIT {
    static final String STACK = "synap-backfill-e2e";
    static final int ROWS = 3_000;
    static final Duration VISIBILITY = Duration.ofSeconds(30);
    static SynapEmulator emulator;
    static RealParts.Postgres pg;
    static SyntheticHistory.Loaded loaded;
    static String endpoint;
    static Map<String, String> outputs;
    static SfnClient sfn;
    static SqsClient sqs;
    static DynamoDbLedger ledger;
    static long deploySeconds;

    @BeforeAll
    static void deploy() throws Exception {
        Assumptions.assumeTrue(LocalStackHost.hostMode() || System.getenv("LOCALSTACK_HAS_SYNAP_RIE") != null,
                "the deployed stack needs LocalStack with this project's Lambda executor (host mode)");
        pg = RealParts.postgres();
        loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "stack_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(5));
        // extraction takes ~1 s per document and fails for some, so the state machine's verify step has work to do
        emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(6000)
                .latency(Duration.ofMillis(40), Duration.ofMillis(120))
                .extraction(new EmulatorSettings.Extraction(Duration.ofSeconds(1), 0.03, 0.02)).build());
        endpoint = LocalStackHost.endpoint();
        long t0 = System.nanoTime();

        SecretsManagerClient secrets = client(SecretsManagerClient.builder());
        String keyArn = secrets.createSecret(r -> r.name("e2e/synap-api-key").secretString(EmulatorSettings.DEFAULT_API_KEY)).arn();
        String dbArn = secrets.createSecret(r -> r.name("e2e/source-db").secretString(
                Json.write(Map.of("username", pg.user(), "password", pg.password())))).arn();
        S3Client s3 = client(S3Client.builder().forcePathStyle(true));
        s3.createBucket(r -> r.bucket("e2e-deploy"));

        Path packaged = packageTemplate();
        aws("cloudformation", "deploy", "--template-file", packaged.toString(), "--stack-name", STACK,
                "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "--parameter-overrides",
                "SynapBaseUrl=" + emulator.baseUrl(), "SynapApiKeySecretArn=" + keyArn,
                "SourceJdbcUrl=" + pg.jdbcUrl(), "SourceDbSecretArn=" + dbArn, "SourceTable=stack_turns",
                "MaxConcurrency=3", "RateLimitPerMinute=6000", "ShardTargetRows=500", "WorkerTimeout=60",
                "LeaseSeconds=10", "StatusPollSeconds=2", "VerifySample=60", "VerifyMaxPasses=30",
                // a run continues in a new execution every 5 polls (aLongRunContinuesInNewExecutions)
                "PollLoopsPerExecution=5");
        deploySeconds = (System.nanoTime() - t0) / 1_000_000_000;
        outputs = new LinkedHashMap<>();
        try (CloudFormationClient cfn = client(CloudFormationClient.builder())) {
            for (Output o : cfn.describeStacks(r -> r.stackName(STACK)).stacks().get(0).outputs()) outputs.put(o.outputKey(), o.outputValue());
        }
        System.out.printf("deployed-stack: %s deployed in %d s, outputs %s%n", STACK, deploySeconds, outputs.keySet());
        sfn = client(SfnClient.builder());
        sqs = client(SqsClient.builder());
        // a killed worker's message must come back within the test (see the class comment)
        sqs.setQueueAttributes(r -> r.queueUrl(outputs.get("ShardQueueUrl"))
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(VISIBILITY.toSeconds()))));
        ledger = new DynamoDbLedger(client(DynamoDbClient.builder()), outputs.get("LedgerTableName"), Clock.systemUTC());
    }

    @AfterAll
    static void tearDown() {
        if (emulator != null) emulator.close();
    }

    // ------------------------------------------------------------------ scenarios

    /**
     * The first two invocations of a fresh stack's planner, at once (as the state machine's start step and the CLI's first
     * status call of {@code start --watch} make them): two execution environments start cold side by side, and both answer.
     * Two cold starts sharing one /tmp once crashed a JVM unpacking the runtime client's native library (SIGBUS), and the
     * execution failed with an empty cause.
     */
    @Test
    @Order(0)
    void twoFirstInvocationsAtOnceOnAFreshStackBothAnswer() throws Exception {
        String alias = outputs.get("PlannerFunctionAliasArn");
        assertThat(alias).as("the stack names the alias the state machine invokes").endsWith(":live");
        String function = outputs.get("PlannerFunctionName");
        assertThat(environments(function)).as("no environment of the planner yet: the stack is fresh").isEmpty();
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (var lambda = client(software.amazon.awssdk.services.lambda.LambdaClient.builder())) {
            List<java.util.concurrent.Future<software.amazon.awssdk.services.lambda.model.InvokeResponse>> answers = new ArrayList<>();
            for (String run : List.of("cold-a", "cold-b")) {
                answers.add(two.submit(() -> {
                    together.await();
                    return lambda.invoke(b -> b.functionName(alias)
                            .payload(software.amazon.awssdk.core.SdkBytes.fromUtf8String("{\"action\":\"status\",\"runId\":\"" + run + "\"}")));
                }));
            }
            for (var a : answers) {
                var r = a.get(3, java.util.concurrent.TimeUnit.MINUTES);
                // the planner's own answer (no such run), not a runtime that died at its start
                assertThat(r.payload().asUtf8String()).as("invocation answer").contains("IllegalArgumentException").contains("no run").contains("cold-");
            }
        } finally {
            two.shutdownNow();
        }
        List<Path> started = environments(function);
        assertThat(started).as("execution environments the two invocations started").hasSizeGreaterThanOrEqualTo(2);
        for (Path log : started) assertThat(Files.readString(log)).as(log.toString()).doesNotContain("SIGBUS").doesNotContain("fatal error");
        System.out.printf("deployed-stack: two first invocations at once: %d environments started, both answered%n", started.size());
    }

    /** The logs of a function's execution environments (the executor writes one per environment). */
    static List<Path> environments(String function) throws IOException {
        try (var files = Files.list(LocalStackHost.lambdaLogs())) {
            return files.filter(f -> f.getFileName().toString().startsWith(function + "-")).toList();
        }
    }

    @Test
    @Order(1)
    void stateMachineRunsABackfillToSucceededWithTheReportInTheBucket() throws Exception {
        emulator.clearDocuments();
        long t0 = System.nanoTime();
        DescribeExecutionResponse done = execute("run-ok", "{\"start\":{\"runId\":\"run-ok\",\"source\":{\"table\":\"stack_turns\"}}}",
                Duration.ofMinutes(6));
        long seconds = (System.nanoTime() - t0) / 1_000_000_000;
        assertThat(done.status()).as(done.toString()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode out = Json.MAPPER.readTree(done.output());
        assertThat(out.path("report").path("invariantHolds").asBoolean()).as(done.output()).isTrue();
        String location = out.path("report").path("reportLocation").asText();
        assertThat(location).isEqualTo("s3://" + outputs.get("ReportBucketName") + "/runs/run-ok/report.json");
        S3Client s3 = client(S3Client.builder().forcePathStyle(true));
        JsonNode report = Json.MAPPER.readTree(s3.getObjectAsBytes(r -> r.bucket(outputs.get("ReportBucketName"))
                .key("runs/run-ok/report.json")).asByteArray());
        assertThat(report.path("counts").path("failed").asLong()).isEqualTo(loaded.badRows());
        assertExactlyOnce("run-ok");
        assertDlqEmpty();
        // the verify step: 60 sampled documents until terminal, each with the status the emulator decided
        JsonNode verify = out.path("verify");
        assertThat(verify.path("done").asBoolean()).as(done.output()).isTrue();
        assertThat(verify.path("sampled").asInt()).isEqualTo(60);
        assertThat(verify.path("population").asLong()).isEqualTo(loaded.validRows());
        JsonNode verifyJson = Json.MAPPER.readTree(s3.getObjectAsBytes(r -> r.bucket(outputs.get("ReportBucketName"))
                .key("runs/run-ok/verify.json")).asByteArray());
        long problems = 0;
        long sum = 0;
        for (JsonNode it : verifyJson.path("items")) {
            String status = it.path("status").asText();
            assertThat(status).as(it.toString()).isEqualTo(emulator.extractionOutcome(it.path("documentId").asText()));
            if (!status.equals("completed")) problems++;
        }
        for (JsonNode n : verify.path("byStatus")) sum += n.asLong();
        assertThat(sum).isEqualTo(60);
        assertThat(verify.path("outcome").asText()).isEqualTo(problems > 0 ? "failed" : "completed");
        // the report step's page beside report.json, drawn again after the verify step with its outcome (#31)
        assertThat(out.path("report").path("pageLocation").asText())
                .isEqualTo("s3://" + outputs.get("ReportBucketName") + "/runs/run-ok/report.html");
        assertThat(out.path("page").path("pageLocation").asText()).isEqualTo(out.path("report").path("pageLocation").asText());
        var pageObject = s3.getObjectAsBytes(r -> r.bucket(outputs.get("ReportBucketName")).key("runs/run-ok/report.html"));
        assertThat(pageObject.response().contentType()).startsWith("text/html");
        String page = pageObject.asUtf8String();
        assertThat(page).contains("data-chart=\"throughput\"", "data-invariant=\"true\"", "data-verify=\"60\"",
                "data-total=\"failed\" data-value=\"" + loaded.badRows() + "\"");
        assertThat(outputs.get("DashboardUrl")).as("the dashboard's URL is a stack output").contains("#dashboards:name=");
        System.out.printf("deployed-stack: run-ok verify step: %d passes, %s, outcome %s%n", verify.path("passes").asInt(),
                verify.path("byStatus"), verify.path("outcome").asText());
        System.out.printf("deployed-stack: run-ok SUCCEEDED in %d s: %,d rows, %,d documents once each, %d failure items%n",
                seconds, ROWS, loaded.validRows(), loaded.badRows());
    }

    @Test
    @Order(2)
    void aRefusedKeyFailsTheExecutionAndAResumeExecutionCompletesIt() throws Exception {
        emulator.clearDocuments();
        emulator.forbidKey(EmulatorSettings.DEFAULT_API_KEY);
        DescribeExecutionResponse blocked = execute("run-blocked", "{\"start\":{\"runId\":\"run-blocked\",\"source\":{\"table\":\"stack_turns\"}}}",
                Duration.ofMinutes(3));
        assertThat(blocked.status()).as(blocked.toString()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(blocked.error()).isEqualTo("RunBlocked");
        assertThat(blocked.cause()).contains("403");
        assertThat(ledger.run("run-blocked").orElseThrow().status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(emulator.documents()).isEmpty();

        emulator.restoreKey(EmulatorSettings.DEFAULT_API_KEY);
        DescribeExecutionResponse resumed = execute("run-blocked-resume", "{\"resume\":true,\"start\":{\"runId\":\"run-blocked\"}}",
                Duration.ofMinutes(6));
        assertThat(resumed.status()).as(resumed.toString()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(Json.MAPPER.readTree(resumed.output()).path("report").path("invariantHolds").asBoolean()).isTrue();
        assertExactlyOnce("run-blocked");
        assertDlqEmpty();
    }

    @Test
    @Order(3)
    void aWorkerKilledMidShardIsRecoveredByRedeliveryAndTheLease() throws Exception {
        emulator.clearDocuments();
        // slower calls, so a shard is mid-way when the worker is killed
        emulator.reconfigure(EmulatorSettings.builder().rateLimitPerMinute(6000)
                .latency(Duration.ofMillis(400), Duration.ofMillis(800)).build());
        String name = "run-killed";
        String arn = sfn.startExecution(r -> r.stateMachineArn(outputs.get("StateMachineArn")).name(name)
                .input("{\"start\":{\"runId\":\"" + name + "\",\"source\":{\"table\":\"stack_turns\"}}}")).executionArn();
        int killed = 0;
        long deadline = System.currentTimeMillis() + 120_000;
        while (killed == 0 && System.currentTimeMillis() < deadline) {
            if (!emulator.documents().isEmpty()) killed = killWorkers();
            Thread.sleep(100);
        }
        assertThat(killed).as("a worker process was found and killed mid-shard").isPositive();
        emulator.reconfigure(EmulatorSettings.builder().rateLimitPerMinute(6000)
                .latency(Duration.ofMillis(40), Duration.ofMillis(120)).build());
        DescribeExecutionResponse done = await(arn, Duration.ofMinutes(8));
        assertThat(done.status()).as(done.toString()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertExactlyOnce(name);
        assertDlqEmpty();
        System.out.printf("deployed-stack: %s: %d worker process(es) killed mid-shard, SUCCEEDED, exactly once%n", name, killed);
    }

    @Test
    @Order(4)
    void theCliOperatesTheStackThroughCloudFormationStepFunctionsAndLambda() throws Exception {
        emulator.clearDocuments();
        // resume of a run never planned: refused, nothing started
        Cli never = cli("resume", "never-planned", "--stack", STACK);
        assertThat(never.exit).as(never.output).isEqualTo(2);
        assertThat(never.output).contains("run never-planned was never planned: start it again with a new --run-id");
        // start --stack --watch: the stack's outputs from CloudFormation, the run through the state machine (the default),
        // followed until it completed and then until the execution (the last one continuing it) wrote the report
        Cli start = cli("start", "--stack", STACK, "--run-id", "cli-run", "--table", "stack_turns", "--watch");
        assertThat(start.exit).as(start.output).isZero();
        assertThat(start.output).contains("Started arn:").contains(":execution:").contains("cli-run").contains("COMPLETED")
                .contains("run completed; execution writing the report…");
        String arn = start.output.replaceAll("(?s).*Started (arn:\\S+).*", "$1");
        DescribeExecutionResponse ended = last(arn);
        assertThat(ended.status()).as("the execution ended when start --watch did: " + ended).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(start.output).contains("Execution " + ended.executionArn() + ": SUCCEEDED; report s3://" + outputs.get("ReportBucketName")
                + "/runs/cli-run/report.json");
        // status --watch follows it through the planner function (Lambda Invoke)
        Cli watch = cli("status", "cli-run", "--stack", STACK, "--watch");
        assertThat(watch.exit).as(watch.output).isZero();
        assertThat(watch.output).contains("COMPLETED");
        // the same start again: refused, saying how to follow or continue the run
        Cli again = cli("start", "--stack", STACK, "--run-id", "cli-run", "--table", "stack_turns");
        assertThat(again.exit).as(again.output).isEqualTo(2);
        assertThat(again.output).contains("backfill status cli-run --stack " + STACK + " --watch").contains("backfill resume cli-run --stack " + STACK)
                .doesNotContain("the same command");
        assertExactlyOnce("cli-run");
        Cli report = cli("report", "cli-run", "--stack", STACK);
        assertThat(report.exit).as(report.output).isZero();
        assertThat(report.output).contains("s3://" + outputs.get("ReportBucketName") + "/runs/cli-run/report.json");
        // verify --stack: the Synap the stack sends to (SynapBaseUrl) with the key in its secret, the receipts in its bucket,
        // status calls under its rate-limit scope
        Cli verify = cli("verify", "cli-run", "--stack", STACK, "--sample", "40", "--wait", "--timeout", "2m");
        assertThat(verify.exit).as(verify.output).isIn(0, 5);
        assertThat(verify.output).contains("Synap: " + emulator.baseUrl() + " (the stack's SynapBaseUrl)")
                .contains("40 sampled of").contains("s3://" + outputs.get("ReportBucketName") + "/runs/cli-run/verify.json");
        // tune applies the recommendation to the worker's event source mapping
        Cli tune = cli("tune", "cli-run", "--stack", STACK);
        assertThat(tune.exit).as(tune.output).isZero();
        assertThat(tune.output).contains("applied to the worker's event source mapping");
        try (var lambda = client(software.amazon.awssdk.services.lambda.LambdaClient.builder())) {
            Integer max = lambda.getEventSourceMapping(r -> r.uuid(outputs.get("WorkerEventSourceMappingId"))).scalingConfig().maximumConcurrency();
            assertThat(tune.output).contains("concurrency " + max);
        }
        // --via planner: the planner function plans, the event source mapping works it, no state machine
        emulator.clearDocuments();
        Cli viaPlanner = cli("start", "--stack", STACK, "--via", "planner", "--run-id", "cli-planner", "--table", "stack_turns", "--watch");
        assertThat(viaPlanner.exit).as(viaPlanner.output).isZero();
        assertThat(viaPlanner.output).contains("COMPLETED");
        assertExactlyOnce("cli-planner");
        assertDlqEmpty();
    }

    @Test
    @Order(5)
    void aStateMachineInputCarriesTheSourceContract() throws Exception {
        emulator.clearDocuments();
        ChatLogFixture.Loaded chatLog = ChatLogFixture.load(pg, "chat_log", 1_200);
        DescribeExecutionResponse done = execute("sfn-contract", "{\"start\":{\"runId\":\"sfn-contract\",\"source\":"
                + ChatLogFixture.sourceJson("chat_log") + "}}", Duration.ofMinutes(6));
        assertThat(done.status()).as(done.toString()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(Json.MAPPER.readTree(done.output()).path("report").path("invariantHolds").asBoolean()).as(done.output()).isTrue();
        com.synapbackfill.cli.SourceContractIT.assertArrived(emulator, chatLog);
        RunState run = ledger.run("sfn-contract").orElseThrow();
        assertThat(run.counters().skipped()).isEqualTo(chatLog.skipped());
        assertThat(run.counters().failed()).isEqualTo(chatLog.bad().size());
        assertThat(run.config().source().until()).isEqualTo(ChatLogFixture.UNTIL);
        assertDlqEmpty();
    }

    /**
     * A run that outlives its execution's polls continues in a new execution of the machine, as many times as it needs, and
     * the last one writes the report. The workers' event source mapping is disabled while the chain grows (the run waits
     * RUNNING with its shards queued, whatever the machine's speed), then enabled again.
     */
    @Test
    @Order(6)
    void aLongRunContinuesInNewExecutionsAndTheLastWritesTheReport() throws Exception {
        emulator.clearDocuments();
        String mapping = outputs.get("WorkerEventSourceMappingId");
        try (var lambda = client(software.amazon.awssdk.services.lambda.LambdaClient.builder())) {
            lambda.updateEventSourceMapping(r -> r.uuid(mapping).enabled(false));
            org.awaitility.Awaitility.await("the workers' mapping is disabled").atMost(Duration.ofMinutes(2))
                    .until(() -> "Disabled".equals(lambda.getEventSourceMapping(r -> r.uuid(mapping)).state()));
            String first = sfn.startExecution(r -> r.stateMachineArn(outputs.get("StateMachineArn")).name("run-long")
                    .input("{\"start\":{\"runId\":\"run-long\",\"source\":{\"table\":\"stack_turns\"}}}")).executionArn();
            // two hand-overs: the first execution, and the one it started, each ended after 5 polls of a run still RUNNING
            java.util.List<String> chain = new java.util.ArrayList<>(List.of(first));
            org.awaitility.Awaitility.await("the run continued in a second and a third execution").atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> {
                        String last = chain.get(chain.size() - 1);
                        DescribeExecutionResponse d = sfn.describeExecution(r -> r.executionArn(last));
                        if (d.status() == ExecutionStatus.SUCCEEDED) {
                            JsonNode next = Json.MAPPER.readTree(d.output()).path("continuedIn").path("executionArn");
                            assertThat(next.isTextual()).as("an execution ended before its run without continuing it: " + d.output()).isTrue();
                            chain.add(next.asText());
                        } else {
                            assertThat(d.status()).as(d.toString()).isEqualTo(ExecutionStatus.RUNNING);
                        }
                        return chain.size() >= 3;
                    });
            assertThat(ledger.run("run-long").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            lambda.updateEventSourceMapping(r -> r.uuid(mapping).enabled(true));
            DescribeExecutionResponse done = await(chain.get(chain.size() - 1), Duration.ofMinutes(6));
            assertThat(done.status()).as(done.toString()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(Json.MAPPER.readTree(done.output()).path("report").path("invariantHolds").asBoolean()).as(done.output()).isTrue();
            assertThat(Json.MAPPER.readTree(done.output()).path("continued").asBoolean()).as("the report came from a continuing execution").isTrue();
        }
        assertExactlyOnce("run-long");
        assertDlqEmpty();
    }

    @Test
    @Order(7)
    void aFunctionErrorReachesTheCallerAsLambdasUnhandled() {
        try (var lambda = client(software.amazon.awssdk.services.lambda.LambdaClient.builder())) {
            var r = lambda.invoke(b -> b.functionName(outputs.get("PlannerFunctionName") + ":live")
                    .payload(software.amazon.awssdk.core.SdkBytes.fromUtf8String("{\"action\":\"launch\"}")));
            assertThat(r.functionError()).isEqualTo("Unhandled");
            assertThat(r.payload().asUtf8String()).contains("errorMessage").contains("launch").contains("start, resume, status, report, tune");
        }
    }

    record Cli(int exit, String output) {
    }

    static Cli cli(String... args) throws Exception {
        return cli(Map.of(), args);
    }

    /**
     * The backfill command as a process, with the AWS SDK's endpoint pointed at LocalStack (AWS_ENDPOINT_URL). Names resolve
     * from a hosts file of localhost alone (jdk.net.hosts.file): a URL that would leave this machine fails here instead.
     */
    static Cli cli(Map<String, String> env, String... args) throws Exception {
        Path hosts = Tools.target().resolve("hosts-localhost");
        if (!Files.exists(hosts)) Files.writeString(hosts, "127.0.0.1 localhost\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
                "com.synapbackfill.cli.BackfillCommand"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("SYNAP_") || k.endsWith("_ENDPOINT"));
        pb.environment().put("AWS_ENDPOINT_URL", endpoint);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(8, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        System.out.printf("deployed-stack: backfill %s -> exit %d%n", String.join(" ", args), p.exitValue());
        return new Cli(p.exitValue(), out);
    }

    // ------------------------------------------------------------------ checks

    /** Every valid row in the emulator exactly once, every bad row one failure item with its reason, counters agree. */
    /**
     * Every AWS call the planner, worker and verify functions made in the scenarios above (recorded in their own JVMs by
     * {@link com.synapbackfill.e2e.iam.AwsCallRecorder}) is on the reviewed list {@code iam/aws-calls.txt}, which
     * {@code scripts/check-iam} evaluates against the template's policies with an IAM policy evaluator: LocalStack does not
     * enforce IAM, so a call the code starts making is a line this test asks for, and check-iam says whether the
     * template grants it.
     */
    @Test
    @Order(100)
    void everyAwsCallTheFunctionsMadeIsOnTheReviewedList() throws Exception {
        java.util.List<com.synapbackfill.e2e.iam.RecordedCalls.StackResource> resources = new ArrayList<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        try (CloudFormationClient cfn = client(CloudFormationClient.builder())) {
            cfn.describeStackResources(r -> r.stackName(STACK)).stackResources().forEach(x -> resources.add(
                    new com.synapbackfill.e2e.iam.RecordedCalls.StackResource(x.logicalResourceId(), x.resourceType(), x.physicalResourceId())));
            cfn.describeStacks(r -> r.stackName(STACK)).stacks().get(0).parameters().forEach(p -> parameters.put(p.parameterKey(), p.parameterValue()));
        }
        java.util.TreeSet<String> recorded = com.synapbackfill.e2e.iam.RecordedCalls.lines(LocalStackHost.awsCalls(), resources, parameters);
        Path out = Tools.target().resolve("iam").resolve("aws-calls.recorded.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, recorded);
        assertThat(recorded).as("calls recorded (" + out + ")").anyMatch(l -> l.startsWith("PlannerFunction "))
                .anyMatch(l -> l.startsWith("WorkerFunction ")).anyMatch(l -> l.startsWith("VerifyFunction "));
        java.util.TreeSet<String> listed = com.synapbackfill.e2e.iam.RecordedCalls.listed(Tools.repo().resolve("iam/aws-calls.txt"));
        java.util.TreeSet<String> missing = new java.util.TreeSet<>(recorded);
        missing.removeAll(listed);
        assertThat(missing).as("calls the functions made that iam/aws-calls.txt does not list: add each after scripts/check-iam "
                + "says the template grants it (all recorded: " + out + ")").isEmpty();
    }

    static void assertExactlyOnce(String runId) {
        com.synapbackfill.cli.PipelineIT.assertExactlyOnce(ledger, emulator, loaded, runId, ROWS);
    }

    static void assertDlqEmpty() {
        var attrs = sqs.getQueueAttributes(r -> r.queueUrl(outputs.get("ShardDeadLetterQueueUrl"))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        assertThat(attrs.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).isEqualTo("0");
        assertThat(attrs.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).isEqualTo("0");
    }

    /** Ends the worker's Java processes (the execution environments LocalStack started) as a crash would. */
    static int killWorkers() {
        List<ProcessHandle> workers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("AWSLambda") && c.contains("WorkerHandler")).orElse(false))
                .toList();
        workers.forEach(ProcessHandle::destroyForcibly);
        return workers.size();
    }

    // ------------------------------------------------------------------ plumbing

    static DescribeExecutionResponse execute(String name, String input, Duration max) throws InterruptedException {
        String arn = sfn.startExecution(r -> r.stateMachineArn(outputs.get("StateMachineArn")).name(name).input(input)).executionArn();
        return await(arn, max);
    }

    /** The execution, or the last one continuing its run, as it is now (no waiting). */
    static DescribeExecutionResponse last(String first) throws IOException {
        String arn = first;
        while (true) {
            String current = arn;
            DescribeExecutionResponse d = sfn.describeExecution(r -> r.executionArn(current));
            JsonNode next = d.output() == null ? null : Json.MAPPER.readTree(d.output()).path("continuedIn").path("executionArn");
            if (d.status() != ExecutionStatus.SUCCEEDED || next == null || !next.isTextual()) return d;
            arn = next.asText();
        }
    }

    /** Executions that ended by handing their run to a new one (ContinueAsNew), over all scenarios. */
    static final java.util.concurrent.atomic.AtomicInteger continuations = new java.util.concurrent.atomic.AtomicInteger();

    /** The end of an execution, following the executions that continue its run (ContinueAsNew) to the last one. */
    static DescribeExecutionResponse await(String first, Duration max) throws InterruptedException {
        long deadline = System.currentTimeMillis() + max.toMillis();
        String arn = first;
        while (true) {
            String current = arn;
            DescribeExecutionResponse d = sfn.describeExecution(r -> r.executionArn(current));
            if (d.status() == ExecutionStatus.SUCCEEDED && d.output() != null) {
                JsonNode next;
                try {
                    next = Json.MAPPER.readTree(d.output()).path("continuedIn").path("executionArn");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (next.isTextual()) {
                    continuations.incrementAndGet();
                    arn = next.asText();
                    continue;
                }
            }
            if (d.status() != ExecutionStatus.RUNNING) return d;
            // a message in the DLQ means the workers failed it five times: no point waiting for the end
            String dlq = sqs.getQueueAttributes(r -> r.queueUrl(outputs.get("ShardDeadLetterQueueUrl"))
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            if (!"0".equals(dlq)) throw new AssertionError("shard messages reached the DLQ (" + dlq + "): " + d + "\n" + lambdaLogTail());
            if (System.currentTimeMillis() > deadline)
                throw new AssertionError("execution still RUNNING after " + max + ": " + d + "\n" + tail(LocalStackHost.logs()));
            Thread.sleep(500);
        }
    }

    /**
     * The stack as a release ships it, packaged into the deploy bucket: {@code scripts/release --stack-only} writes the
     * release's packaged.yaml, its two Lambda jars (the functions' code is the released jar itself, not a sam-build
     * directory), the state machine's definition, README and LICENSE, as {@code scripts/release} puts them in dist/;
     * {@code aws cloudformation package} uploads them as {@code sam deploy --template-file dist/packaged.yaml} does.
     */
    static Path packageTemplate() throws IOException {
        Path dir = Tools.target().resolve("release");
        if (Files.isDirectory(dir)) {
            try (var old = Files.list(dir)) {
                for (Path f : old.toList()) Files.delete(f);
            }
        }
        Path released = Path.of(Tools.script("release", "--stack-only", dir.toString()));
        assertThat(Files.readString(released)).as("the release's template names the released jars")
                .contains("CodeUri: planner-lambda-" + com.synapbackfill.model.BuildInfo.version() + ".jar")
                .contains("CodeUri: worker-lambda-" + com.synapbackfill.model.BuildInfo.version() + ".jar");
        Path packaged = dir.resolve("deployable.yaml");
        aws("cloudformation", "package", "--template-file", released.toString(), "--s3-bucket", "e2e-deploy",
                "--output-template-file", packaged.toString());
        return packaged;
    }

    /** The AWS CLI of LocalStack's virtualenv, pointed at LocalStack. */
    static String aws(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.localStackBin().resolve("aws").toString()));
        cmd.addAll(List.of(args));
        Tools.Result r = Tools.run(Tools.target(), cmd, Map.of("AWS_ENDPOINT_URL", endpoint, "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test", "AWS_DEFAULT_REGION", "us-east-1", "AWS_REGION", "us-east-1"), 600);
        if (r.exit() != 0) throw new AssertionError("aws " + String.join(" ", args) + " failed:\n" + r.output() + "\n" + tail(LocalStackHost.logs()));
        return r.stdout();
    }

    /** The end of the most recent worker environment's output (what CloudWatch Logs would show). */
    static String lambdaLogTail() {
        try (var files = Files.list(LocalStackHost.lambdaLogs())) {
            return files.filter(f -> f.getFileName().toString().contains("Worker"))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().lastModified()))
                    .map(f -> {
                        try {
                            return tail(Files.readString(f));
                        } catch (IOException e) {
                            return e.toString();
                        }
                    }).orElse("(no worker log)");
        } catch (IOException e) {
            return e.toString();
        }
    }

    static String tail(String s) {
        return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
    }

    static <B extends AwsClientBuilder<B, C>, C> C client(B builder) {
        return builder.endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }
}
