package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI says on a deployed stack when something goes wrong there, as a user meets it: the CLI as a process, AWS's
 * APIs answered by {@link FakeAws} on a loopback port (the deployed-path tests run the happy paths on LocalStack). Names
 * resolve only from a hosts file of {@code localhost} (jdk.net.hosts.file): nothing here can reach another machine.
 */
class StackMessagesIT {
    static final String STACK = "synap-backfill";
    static final String PLANNER = "synap-backfill-PlannerFunction-1";
    static final String ALIAS = "arn:aws:lambda:us-east-1:000000000000:function:" + PLANNER + ":live";
    static final String MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:synap-backfill-backfill";
    static final String KEY_SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:synap-backfill/synap-api-key-AbCdEf";

    @TempDir
    Path tmp;
    FakeAws aws;

    @BeforeEach
    void fakeStack() throws Exception {
        aws = new FakeAws().stack(STACK, outputs(), Map.of("SynapBaseUrl", "http://127.0.0.1:9", "SynapApiKeySecretArn", KEY_SECRET));
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    static Map<String, String> outputs() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("PlannerFunctionName", PLANNER);
        o.put("PlannerFunctionAliasArn", ALIAS);
        o.put("StateMachineArn", MACHINE);
        o.put("LedgerTableName", "synap-backfill-LedgerTable-1");
        o.put("ReportBucketName", "synap-backfill-reportbucket-1");
        o.put("ShardQueueUrl", "http://127.0.0.1:9/000000000000/shards");
        return o;
    }

    /** The planner's answer to a run the ledger does not know, as the function raises it (an IllegalArgumentException). */
    static FakeAws.Answer noRun(String id) {
        return new FakeAws.Answer(200, "Unhandled", "{\"errorMessage\":\"runId: no run \\\"" + id + "\\\" in the ledger\","
                + "\"errorType\":\"java.lang.IllegalArgumentException\"}");
    }

    static String execution(String name) {
        return "arn:aws:states:us-east-1:000000000000:execution:synap-backfill-backfill:" + name;
    }

    @Test
    void aStartWhoseExecutionFailsWithoutACauseNamesTheExecutionAndThePlannersLogWithItsLastErrorLine() throws Exception {
        String arn = execution("nov-run");
        double started = Instant.now().getEpochSecond();
        aws.on("AWSStepFunctions.StartExecution", body -> FakeAws.Answer.json("{\"executionArn\":\"" + arn + "\",\"startDate\":" + started + "}"))
                // a runtime that crashed at its cold start: the task fails, and Step Functions has nothing to say
                .on("AWSStepFunctions.DescribeExecution", body -> FakeAws.Answer.json("{\"executionArn\":\"" + arn + "\",\"stateMachineArn\":\""
                        + MACHINE + "\",\"name\":\"nov-run\",\"status\":\"FAILED\",\"startDate\":" + started + ",\"stopDate\":" + (started + 3)
                        + ",\"error\":\"Runtime.ExitError\",\"cause\":\"\"}"))
                .on("Logs_20140328.FilterLogEvents", body -> FakeAws.Answer.json("{\"events\":["
                        + "{\"logStreamName\":\"s\",\"timestamp\":1,\"message\":\"START RequestId: 1 Version: 1\",\"eventId\":\"1\"},"
                        + "{\"logStreamName\":\"s\",\"timestamp\":2,\"message\":\"# A fatal error has been detected by the Java Runtime "
                        + "Environment:\\n#  SIGBUS (0x7) at pc=0x00007f, pid=42\",\"eventId\":\"2\"},"
                        + "{\"logStreamName\":\"s\",\"timestamp\":3,\"message\":\"END RequestId: 1\",\"eventId\":\"3\"}],\"searchedLogStreams\":[]}"))
                .lambda(payload -> noRun("nov-run"));

        Result r = run(Map.of(), "start", "--stack", STACK, "--run-id", "nov-run", "--table", "public.turns", "--watch");

        assertThat(r.exit).as(r.output).isEqualTo(1);
        assertThat(r.output).contains("Started " + arn)
                .contains("the execution " + arn + " ended FAILED (Runtime.ExitError): no cause given")
                .contains("the function's log group /aws/lambda/" + PLANNER)
                .contains("its last error line: #  SIGBUS (0x7) at pc=0x00007f, pid=42")
                // the execution exists: the same command would be refused, so it says how to follow or continue the run
                .contains("backfill status nov-run --stack " + STACK + " --watch")
                .contains("backfill resume nov-run --stack " + STACK)
                .doesNotContain("the same command continues");
        // the CLI asked the planner through the alias the state machine invokes
        assertThat(aws.calls("Invoke")).isNotEmpty().allSatisfy(c -> assertThat(c.path()).contains("/functions/" + ALIAS + "/invocations"));
        assertThat(aws.calls("FilterLogEvents")).isNotEmpty()
                .allSatisfy(c -> assertThat(c.body()).contains("\"logGroupName\":\"/aws/lambda/" + PLANNER + "\""));
    }

    @Test
    void aPlannerFailureWithoutAMessageNamesTheFunctionsLogGroup() throws Exception {
        aws.lambda(payload -> new FakeAws.Answer(200, "Unhandled", "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"\"}"))
                .on("Logs_20140328.FilterLogEvents", body -> FakeAws.Answer.error("AccessDeniedException", "not allowed"));

        Result r = run(Map.of(), "status", "nov-run", "--stack", STACK);

        assertThat(r.exit).as(r.output).isEqualTo(1);
        // the log cannot be read here: its group is still named
        assertThat(r.output).contains("planner function " + ALIAS + " failed (Runtime.ExitError): no message; see the function's log group /aws/lambda/"
                + PLANNER).doesNotContain("its last error line");
    }

    @Test
    void aSecondStartOfTheSameRunSaysHowToFollowOrContinueIt() throws Exception {
        aws.on("AWSStepFunctions.StartExecution", body -> FakeAws.Answer.error("ExecutionAlreadyExists", "Execution Already Exists: '"
                + execution("nov-run") + "'"));

        Result r = run(Map.of(), "start", "--stack", STACK, "--run-id", "nov-run", "--table", "public.turns");

        assertThat(r.exit).as(r.output).isEqualTo(2);
        assertThat(r.output).contains("run nov-run was started before").contains("backfill status nov-run --stack " + STACK + " --watch")
                .contains("backfill resume nov-run --stack " + STACK).contains("a new --run-id").doesNotContain("the same command");
    }

    @Test
    void resumeOfARunNeverPlannedRefusesAndStartsNothing() throws Exception {
        aws.lambda(payload -> noRun("nov-run"));

        Result r = run(Map.of(), "resume", "nov-run", "--stack", STACK);

        assertThat(r.exit).as(r.output).isEqualTo(2);
        assertThat(r.output.strip()).isEqualTo("backfill: run nov-run was never planned: start it again with a new --run-id");
        assertThat(aws.calls("StartExecution")).as("no execution started").isEmpty();
    }

    @Test
    void theRegionIsFoundWhereTheAwsCliFindsItOrOneLineSaysWhereItLooked() throws Exception {
        // AWS_DEFAULT_REGION, which the Java SDK alone does not read
        Result byDefault = run(false, Map.of("AWS_DEFAULT_REGION", "eu-west-1"), "status", "nov-run", "--stack", "other-stack");
        assertThat(byDefault.output).contains("--stack: cannot read stack \"other-stack\": Stack with id other-stack does not exist");
        assertThat(aws.calls("DescribeStacks")).last().extracting(FakeAws.Call::region).isEqualTo("eu-west-1");

        // the profile's region, in the file AWS_CONFIG_FILE names
        Path config = tmp.resolve("config");
        Files.writeString(config, "[default]\nregion = us-west-2\n[profile rehearsal]\nregion = ap-south-1\n");
        run(false, Map.of("AWS_CONFIG_FILE", config.toString(), "AWS_PROFILE", "rehearsal"), "status", "nov-run", "--stack", "other-stack");
        assertThat(aws.calls("DescribeStacks")).last().extracting(FakeAws.Call::region).isEqualTo("ap-south-1");
        run(false, Map.of("AWS_CONFIG_FILE", config.toString()), "status", "nov-run", "--stack", "other-stack");
        assertThat(aws.calls("DescribeStacks")).last().extracting(FakeAws.Call::region).isEqualTo("us-west-2");

        // none anywhere: one line, before any call
        int calls = aws.calls().size();
        Result none = run(false, Map.of(), "status", "nov-run", "--stack", STACK);
        assertThat(none.exit).as(none.output).isEqualTo(2);
        assertThat(none.output.strip()).doesNotContain("\n").contains("AWS region: none set").contains("--region").contains("AWS_REGION")
                .contains("AWS_DEFAULT_REGION").contains("profile \"default\"").doesNotContain("provider");
        assertThat(aws.calls()).hasSize(calls);
    }

    @Test
    void verifyTakesTheStacksSynapUrlAndAHostThatDoesNotResolveIsAConfigurationError() throws Exception {
        aws.stack(STACK, outputs(), Map.of("SynapBaseUrl", "https://synap.example.invalid", "SynapApiKeySecretArn", KEY_SECRET));

        Result r = run(Map.of("SYNAP_API_KEY", "synap_test"), "verify", "nov-run", "--stack", STACK);

        assertThat(r.exit).as(r.output).isEqualTo(2);
        assertThat(r.output).contains("the stack's SynapBaseUrl: the host synap.example.invalid of https://synap.example.invalid does not resolve (DNS)")
                .contains("a configuration error").contains("--synap-url").doesNotContain("transient");
    }

    @Test
    void verifyWithoutAKeyReadsTheStacksSecretOrSaysWhichToSet() throws Exception {
        aws.on("secretsmanager.GetSecretValue", body -> FakeAws.Answer.error("AccessDeniedException", "not authorized to GetSecretValue"));

        Result r = run(Map.of(), "verify", "nov-run", "--stack", STACK);

        assertThat(r.exit).as(r.output).isEqualTo(2);
        assertThat(r.output).contains("SYNAP_API_KEY: not set, and the stack's key secret (SynapApiKeySecretArn " + KEY_SECRET + ") could not be read")
                .contains("set SYNAP_API_KEY, or allow secretsmanager:GetSecretValue");
        assertThat(aws.calls("GetSecretValue")).singleElement().satisfies(c -> assertThat(c.body()).contains(KEY_SECRET));
    }

    record Result(int exit, String output) {
    }

    /**
     * The CLI as a process, every AWS setting of this JVM's environment left out: test credentials, AWS at the fake, region
     * us-east-1, no EC2 metadata, an empty profile file, then {@code env}.
     */
    Result run(Map<String, String> env, String... args) throws Exception {
        return run(true, env, args);
    }

    /** @param region whether AWS_REGION is set (us-east-1) */
    Result run(boolean region, Map<String, String> env, String... args) throws Exception {
        Path hosts = tmp.resolve("hosts");
        if (!Files.exists(hosts)) Files.writeString(hosts, "127.0.0.1 localhost\n");
        Path emptyConfig = tmp.resolve("empty-config");
        if (!Files.exists(emptyConfig)) Files.writeString(emptyConfig, "");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
                BackfillCommand.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SYNAP_") || k.startsWith("BACKFILL_")
                || k.endsWith("_ENDPOINT"));
        pb.environment().putAll(Map.of("AWS_ENDPOINT_URL", aws.url(), "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                "AWS_EC2_METADATA_DISABLED", "true", "AWS_CONFIG_FILE", emptyConfig.toString(),
                "AWS_SHARED_CREDENTIALS_FILE", emptyConfig.toString()));
        if (region) pb.environment().put("AWS_REGION", "us-east-1");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        System.err.printf("backfill %s: exit %d%n%s%n", String.join(" ", args), p.exitValue(), out);
        return new Result(p.exitValue(), out);
    }
}
