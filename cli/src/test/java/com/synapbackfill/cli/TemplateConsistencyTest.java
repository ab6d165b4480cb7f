package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.synapbackfill.config.Settings;
import com.synapbackfill.ledger.LedgerTable;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.worker.WorkerComponents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What lint cannot see: template.yaml and the state machine agree with the code. */
class TemplateConsistencyTest {
    static final JsonNode T = read();
    static final JsonNode RES = T.get("Resources");

    static JsonNode read() {
        try {
            // CloudFormation's short tags (!Ref X) read as plain scalars/sequences here, which is all these checks need
            return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Path.of("..", "template.yaml")));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<String> envOf(String function) {
        Set<String> env = new HashSet<>();
        T.path("Globals").path("Function").path("Environment").path("Variables").fieldNames().forEachRemaining(env::add);
        RES.path(function).path("Properties").path("Environment").path("Variables").fieldNames().forEachRemaining(env::add);
        return env;
    }

    static Set<String> actionsOf(String function) {
        Set<String> actions = new HashSet<>();
        for (JsonNode policy : RES.path(function).path("Properties").path("Policies")) {
            for (JsonNode st : policy.path("Statement")) {
                if (!"Allow".equals(st.path("Effect").asText())) continue;
                JsonNode a = st.path("Action");
                if (a.isArray()) a.forEach(x -> actions.add(x.asText()));
                else actions.add(a.asText());
            }
        }
        return actions;
    }

    @Test
    void everyHandlerIsAnExistingLambdaHandlerClass() throws Exception {
        for (String fn : List.of("PlannerFunction", "WorkerFunction", "VerifyFunction")) {
            String handler = RES.path(fn).path("Properties").path("Handler").asText();
            Class<?> c = Class.forName(handler.substring(0, handler.indexOf("::")));
            assertThat(RequestHandler.class.isAssignableFrom(c) || RequestStreamHandler.class.isAssignableFrom(c))
                    .as(handler).isTrue();
            assertThat(c.getConstructor()).as("public no-arg constructor of " + c).isNotNull();
        }
    }

    @Test
    void everyRequiredVariableIsSetAndEveryVariableIsKnown() {
        assertThat(envOf("PlannerFunction")).containsAll(PlannerComponents.REQUIRED_ENV);
        assertThat(envOf("WorkerFunction")).containsAll(WorkerComponents.REQUIRED_ENV);
        assertThat(Settings.KNOWN_ENV).containsAll(envOf("PlannerFunction")).containsAll(envOf("WorkerFunction"));
    }

    @Test
    void everyActionTheCodeCallsIsGranted() {
        assertThat(actionsOf("PlannerFunction")).containsAll(PlannerComponents.AWS_ACTIONS);
        assertThat(actionsOf("WorkerFunction")).containsAll(WorkerComponents.AWS_ACTIONS);
        // least privilege: nothing beyond what the code calls
        assertThat(PlannerComponents.AWS_ACTIONS).containsAll(actionsOf("PlannerFunction"));
        assertThat(WorkerComponents.AWS_ACTIONS).containsAll(actionsOf("WorkerFunction"));
        assertThat(actionsOf("VerifyFunction")).containsExactlyInAnyOrderElementsOf(WorkerComponents.VERIFY_AWS_ACTIONS);
    }

    @Test
    void queueVisibilityIsAtLeastSixWorkerTimeoutsAndRedrivesToTheDlq() {
        int visibility = RES.path("ShardQueue").path("Properties").path("VisibilityTimeout").asInt();
        int maxWorkerTimeout = T.path("Parameters").path("WorkerTimeout").path("MaxValue").asInt();
        assertThat(visibility).isGreaterThanOrEqualTo(6 * maxWorkerTimeout);
        assertThat(RES.path("ShardQueue").path("Properties").path("RedrivePolicy").path("maxReceiveCount").asInt()).isBetween(2, 20);
        assertThat(RES.path("WorkerFunction").path("Properties").has("DeadLetterQueue")).as("no function-level DLQ on an SQS-triggered function").isFalse();
    }

    @Test
    void workerEventSourceMappingReportsItemFailuresAndHasMaximumConcurrency() {
        JsonNode sqs = RES.path("WorkerFunction").path("Properties").path("Events").path("Shards").path("Properties");
        assertThat(sqs.path("BatchSize").asInt()).isEqualTo(1);
        List<String> types = new ArrayList<>();
        sqs.path("FunctionResponseTypes").forEach(x -> types.add(x.asText()));
        assertThat(types).containsExactly("ReportBatchItemFailures");
        assertThat(sqs.path("ScalingConfig").path("MaximumConcurrency").asText()).isEqualTo("MaxConcurrency");
        assertThat(T.path("Parameters").path("MaxConcurrency").path("MinValue").asInt()).isEqualTo(2);
        assertThat(T.path("Parameters").path("MaxConcurrency").path("MaxValue").asInt()).isEqualTo(1000);
    }

    @Test
    void ledgerKeysEqualTheCodesTableSpec() {
        JsonNode p = RES.path("LedgerTable").path("Properties");
        for (String[] k : LedgerTable.keySchema()) {
            boolean defined = false;
            for (JsonNode a : p.path("AttributeDefinitions")) defined |= a.path("AttributeName").asText().equals(k[0]) && a.path("AttributeType").asText().equals(k[1]);
            boolean keyed = false;
            for (JsonNode a : p.path("KeySchema")) keyed |= a.path("AttributeName").asText().equals(k[0]) && a.path("KeyType").asText().equals(k[2]);
            assertThat(defined && keyed).as("key " + k[0]).isTrue();
        }
        assertThat(p.path("KeySchema")).hasSize(LedgerTable.keySchema().size());
        assertThat(p.path("TimeToLiveSpecification").path("AttributeName").asText()).isEqualTo(LedgerTable.TTL_ATTRIBUTE);
        assertThat(p.path("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
    }

    @Test
    void stateMachineIsClosedBoundedAndFailsOnBlocked() throws Exception {
        JsonNode asl = new ObjectMapper().readTree(Files.readString(Path.of("..", "statemachine", "backfill.asl.json")));
        JsonNode states = asl.get("States");
        assertThat(states.has(asl.get("StartAt").asText())).isTrue();
        Set<String> targets = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = states.fields(); it.hasNext(); ) {
            JsonNode s = it.next().getValue();
            if (s.has("Next")) targets.add(s.get("Next").asText());
            if (s.has("Default")) targets.add(s.get("Default").asText());
            s.path("Choices").forEach(c -> targets.add(c.get("Next").asText()));
        }
        targets.forEach(t -> assertThat(states.has(t)).as("state " + t + " exists").isTrue());
        // the poll loop (Wait → Status → Done?) is bounded by the machine's timeout
        assertThat(asl.path("TimeoutSeconds").asInt()).isBetween(3600, 31_536_000);
        // the Wait state polls every StatusPollSeconds (a template parameter, substituted into the PollInterval state)
        assertThat(states.path("Wait").path("SecondsPath").asText()).isEqualTo("$.poll.seconds");
        assertThat(states.path("PollInterval").path("Parameters").path("seconds.$").asText()).contains("${StatusPollSeconds}");
        assertThat(RES.path("BackfillStateMachine").path("Properties").path("DefinitionSubstitutions").has("StatusPollSeconds")).isTrue();
        assertThat(T.path("Parameters").path("StatusPollSeconds").path("Default").asInt()).isEqualTo(60);
        assertThat(T.path("Parameters").path("StatusPollSeconds").path("MinValue").asInt()).isPositive();
        String blocked = null;
        for (JsonNode c : states.path("Done?").path("Choices")) if (c.path("Variable").asText().equals("$.status.blocked")) blocked = c.get("Next").asText();
        assertThat(states.path(blocked).path("Type").asText()).isEqualTo("Fail");
        // the optional verify step: skipped at VerifySample 0 (the default), a bounded loop of passes otherwise
        assertThat(T.path("Parameters").path("VerifySample").path("Default").asInt()).isZero();
        assertThat(states.path("Report").path("Next").asText()).isEqualTo("VerifySettings");
        assertThat(states.path("VerifySettings").path("Parameters").path("sample.$").asText()).contains("${VerifySample}");
        assertThat(states.path("VerifySettings").path("Parameters").path("maxPasses.$").asText()).contains("${VerifyMaxPasses}");
        assertThat(states.path("Verify?").path("Default").asText()).isEqualTo("Succeeded");
        assertThat(states.path("Verify").path("Parameters").path("FunctionName").asText()).isEqualTo("${VerifyFunctionArn}");
        assertThat(states.path("VerifyWait").path("Next").asText()).isEqualTo("Verify");
        JsonNode subs = RES.path("BackfillStateMachine").path("Properties").path("DefinitionSubstitutions");
        for (String k : List.of("VerifyFunctionArn", "VerifySample", "VerifyMaxPasses")) assertThat(subs.has(k)).as(k).isTrue();
        // every Lambda task retries Lambda's own service errors
        for (String task : List.of("Start", "Resume", "Status", "Report", "Verify")) {
            assertThat(states.path(task).path("Retry").get(0).path("ErrorEquals").toString()).contains("Lambda.ServiceException");
        }
    }

    /** History events a state adds each time it runs (no retry): a Task's entered, scheduled, started, succeeded, exited. */
    static int events(JsonNode state) {
        return switch (state.path("Type").asText()) {
            case "Task" -> 5;
            case "Succeed", "Fail" -> 1;
            default -> 2; // Pass, Wait, Choice: entered and exited
        };
    }

    /**
     * Step Functions keeps at most 25,000 history events an execution. The status loop adds 13 a poll (Wait, Status, Done?,
     * CountPoll, HistoryLeft?): unbounded, a 48-hour run at the default 60 s poll (2,880 polls, 37,440 events) outgrew its
     * execution after 46 hours, and at the 1 s minimum after 32 minutes. Now an execution polls at most PollLoopsPerExecution
     * times, then starts a new execution of the machine that continues the run's loop; with the verify step's passes at
     * their maximum, an execution stays under 85 % of the limit.
     */
    @Test
    void anExecutionsHistoryStaysUnderStepFunctionsLimitWhateverTheRunsLength() throws Exception {
        JsonNode asl = new ObjectMapper().readTree(Files.readString(Path.of("..", "statemachine", "backfill.asl.json")));
        JsonNode states = asl.get("States");
        List<String> pollLoop = List.of("Wait", "Status", "Done?", "CountPoll", "HistoryLeft?");
        assertThat(states.path("Done?").path("Default").asText()).isEqualTo("CountPoll");
        assertThat(states.path("CountPoll").path("Next").asText()).isEqualTo("HistoryLeft?");
        assertThat(states.path("HistoryLeft?").path("Default").asText()).isEqualTo("Wait");
        assertThat(states.path("Wait").path("Next").asText()).isEqualTo("Status");
        JsonNode over = states.path("HistoryLeft?").path("Choices").get(0);
        assertThat(over.path("Variable").asText()).isEqualTo("$.loop.count");
        assertThat(over.path("NumericGreaterThanEqualsPath").asText()).isEqualTo("$.loop.limit");
        assertThat(states.path("LoopCount").path("Parameters").path("limit.$").asText()).contains("${PollLoopsPerExecution}");
        assertThat(states.path("CountPoll").path("Parameters").path("count.$").asText()).isEqualTo("States.MathAdd($.loop.count, 1)");
        // the continuation: a new execution of this machine, straight into the status loop of the same run
        JsonNode next = states.path(over.path("Next").asText());
        assertThat(next.path("Resource").asText()).endsWith(":states:::states:startExecution");
        assertThat(next.path("Parameters").path("StateMachineArn.$").asText()).isEqualTo("$$.StateMachine.Id");
        assertThat(next.path("Parameters").path("Input").path("continued").asBoolean()).isTrue();
        assertThat(next.path("Parameters").path("Input").path("run.$").asText()).isEqualTo("$.run");
        assertThat(states.path("Continued?").path("Choices").get(0).path("Next").asText()).isEqualTo("Wait");
        JsonNode subs = RES.path("BackfillStateMachine").path("Properties").path("DefinitionSubstitutions");
        assertThat(subs.has("PollLoopsPerExecution")).isTrue();
        // the worst case the parameters allow
        int perPoll = pollLoop.stream().mapToInt(n -> events(states.path(n))).sum();
        int perVerify = List.of("Verify", "Verified?", "VerifyWait").stream().mapToInt(n -> events(states.path(n))).sum();
        int once = 2; // execution started, succeeded
        for (java.util.Iterator<String> it = states.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!pollLoop.contains(n) && !List.of("Verify", "Verified?", "VerifyWait").contains(n)) once += events(states.path(n));
        }
        int maxPolls = T.path("Parameters").path("PollLoopsPerExecution").path("MaxValue").asInt();
        int maxVerify = T.path("Parameters").path("VerifyMaxPasses").path("MaxValue").asInt();
        assertThat(perPoll).isEqualTo(13);
        int worst = once + maxPolls * perPoll + maxVerify * perVerify;
        assertThat(maxPolls).isPositive();
        assertThat(worst).as("%d polls x %d + %d verify passes x %d + %d", maxPolls, perPoll, maxVerify, perVerify, once)
                .isLessThanOrEqualTo(25_000 * 85 / 100);
        // the machine may start its continuation, and only itself
        String policies = RES.path("BackfillStateMachine").path("Properties").path("Policies").toString();
        assertThat(policies).contains("states:StartExecution").contains("stateMachine:${AWS::StackName}-backfill");
        assertThat(RES.path("BackfillStateMachine").path("Properties").path("Name").toString()).contains("${AWS::StackName}-backfill");
    }

    @Test
    void thePlannerReadsTheDatabaseSecretAndSynapsKeyForTheChecksBeforeARunStarts() {
        List<String> secrets = new ArrayList<>();
        for (JsonNode policy : RES.path("PlannerFunction").path("Properties").path("Policies"))
            for (JsonNode st : policy.path("Statement"))
                if (st.path("Action").asText().equals("secretsmanager:GetSecretValue")) {
                    JsonNode r = st.path("Resource");
                    if (r.isArray()) r.forEach(x -> secrets.add(x.asText()));
                    else secrets.add(r.asText());
                }
        assertThat(secrets).containsExactlyInAnyOrder("SourceDbSecretArn", "SynapApiKeySecretArn");
    }

    @Test
    void theCreditControlsAreParametersThePlannerReads() throws Exception {
        JsonNode env = RES.path("PlannerFunction").path("Properties").path("Environment").path("Variables");
        assertThat(env.path("ALLOW_OVERAGE").asText()).isEqualTo("AllowOverage");
        assertThat(env.path("MAX_CREDITS").asText()).isEqualTo("MaxCredits");
        JsonNode params = T.path("Parameters");
        assertThat(params.path("AllowOverage").path("Default").asText()).isEqualTo("false");
        assertThat(params.path("MaxCredits").path("Default").asInt()).isZero();
        // the state machine's resume passes the start input on (a resume that raises the cap)
        JsonNode asl = new ObjectMapper().readTree(Files.readString(Path.of("..", "statemachine", "backfill.asl.json")));
        assertThat(asl.path("States").path("Resume").path("Parameters").path("Payload.$").asText()).contains("$.start");
    }

    @Test
    void everyFunctionAndTheStateMachineLogToAGroupWithARetention() {
        Set<String> groups = new HashSet<>();
        RES.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::Logs::LogGroup")) {
                assertThat(e.getValue().path("Properties").path("RetentionInDays").asInt()).as(e.getKey()).isPositive();
                groups.add(e.getValue().path("Properties").path("LogGroupName").asText());
            }
        });
        for (String fn : List.of("PlannerFunction", "WorkerFunction", "VerifyFunction"))
            assertThat(groups).as(fn).contains("/aws/lambda/${" + fn + "}");
        JsonNode logging = RES.path("BackfillStateMachine").path("Properties").path("Logging");
        assertThat(logging.path("Level").asText()).isEqualTo("ERROR");
        assertThat(logging.path("IncludeExecutionData").asBoolean(true)).as("execution data holds source settings").isFalse();
        assertThat(logging.path("Destinations").get(0).path("CloudWatchLogsLogGroup").path("LogGroupArn").toString()).contains("StateMachineLogGroup");
    }

    @Test
    void everyAlarmNotifiesTheOptionalTopic() {
        assertThat(T.path("Parameters").has("AlarmTopicArn")).isTrue();
        List<String> alarms = new ArrayList<>();
        RES.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::CloudWatch::Alarm")) {
                alarms.add(e.getKey());
                assertThat(e.getValue().path("Properties").path("AlarmActions").toString()).as(e.getKey()).contains("HasAlarmTopic").contains("AlarmTopicArn");
            }
        });
        assertThat(alarms).containsAll(List.of("DeadLetterQueueNotEmptyAlarm", "WorkerErrorsAlarm", "RunBlockedAlarm", "RunFailedAlarm",
                "ExecutionFailedAlarm", "NoProgressAlarm"));
    }

    /** What matters reaches someone: a run that ended FAILED, an execution that failed or timed out, a run that stalled. */
    @Test
    void theAlarmsCoverAFailedRunAFailedExecutionAndAStalledRun() {
        // a run FAILED: the worker's "run failed: ..." log line (ShardStops.failRun, ShardWorker), as a metric
        assertThat(RES.path("RunFailedMetricFilter").path("Properties").path("FilterPattern").asText()).contains("run failed");
        assertThat(RES.path("RunFailedAlarm").path("Properties").path("MetricName").asText()).isEqualTo("RunFailed");
        // an execution failed, timed out or aborted: the state machine's own metrics
        String exec = RES.path("ExecutionFailedAlarm").path("Properties").path("Metrics").toString();
        assertThat(exec).contains("ExecutionsFailed").contains("ExecutionsTimedOut").contains("ExecutionsAborted").contains("BackfillStateMachine");
        // no progress for NoProgressMinutes while work waits (queued, in flight or delayed for a retry)
        JsonNode stalled = RES.path("NoProgressAlarm").path("Properties");
        assertThat(stalled.path("Metrics").toString()).contains("ApproximateNumberOfMessagesDelayed").contains("DocumentsAccepted")
                .contains("DocumentsAlreadyPresent").contains("DocumentsFailed");
        assertThat(stalled.path("EvaluationPeriods").toString()).contains("NoProgressMinutes");
        assertThat(T.path("Parameters").path("NoProgressMinutes").path("Default").asInt()).isEqualTo(30);
    }

    /** A secret under a customer KMS key: each function may decrypt with that key, through Secrets Manager only, when it is given. */
    @Test
    void aSecretsKeyIsGrantedThroughSecretsManagerOnlyWhenGiven() {
        assertThat(T.path("Parameters").path("SecretsKmsKeyArn").path("Default").asText()).isEmpty();
        for (String fn : List.of("PlannerFunction", "WorkerFunction", "VerifyFunction")) {
            String policies = RES.path(fn).path("Properties").path("Policies").toString();
            assertThat(policies).as(fn).contains("HasSecretsKey").contains("kms:Decrypt").contains("SecretsKmsKeyArn").contains("kms:ViaService");
        }
    }

    @Test
    void aFailuresFileUploadCutShortIsRemovedByTheBucketAndAFailedOneAbortedByThePlanner() {
        // S3ReportStore streams failures.jsonl in parts: a planner that dies mid-upload leaves parts S3 bills for
        JsonNode rules = RES.path("ReportBucket").path("Properties").path("LifecycleConfiguration").path("Rules");
        assertThat(rules.findValues("AbortIncompleteMultipartUpload")).singleElement()
                .satisfies(a -> assertThat(a.path("DaysAfterInitiation").asInt()).isBetween(1, 7));
        assertThat(actionsOf("PlannerFunction")).contains("s3:AbortMultipartUpload");
    }

    @Test
    void theQueuesTakeTlsOnlyAndTheLedgerCannotBeDeletedByMistake() {
        JsonNode policy = RES.path("ShardQueuesTlsOnly");
        assertThat(policy.path("Type").asText()).isEqualTo("AWS::SQS::QueuePolicy");
        assertThat(policy.path("Properties").path("Queues").toString()).contains("ShardQueue").contains("ShardDeadLetterQueue");
        JsonNode st = policy.path("Properties").path("PolicyDocument").path("Statement").get(0);
        assertThat(st.path("Effect").asText()).isEqualTo("Deny");
        assertThat(st.path("Condition").path("Bool").path("aws:SecureTransport").asText()).isEqualTo("false");
        assertThat(RES.path("LedgerTable").path("Properties").path("DeletionProtectionEnabled").asBoolean()).isTrue();
        String pattern = T.path("Parameters").path("SynapBaseUrl").path("AllowedPattern").asText();
        assertThat("https://synap-cloud-prod.maximem.ai").matches(pattern);
        assertThat("http://127.0.0.1:8080").matches(pattern);
        assertThat("http://synap.example.com").doesNotMatch(pattern);
        assertThat("https://user:pw@synap.example.com").doesNotMatch(pattern);
    }

    @Test
    void theDashboardDrawsTheMetricsTheWorkerEmitsAndTheStacksQueuesAndFunctions() throws Exception {
        JsonNode dashboard = RES.path("BackfillDashboard");
        assertThat(dashboard.path("Type").asText()).isEqualTo("AWS::CloudWatch::Dashboard");
        JsonNode sub = dashboard.path("Properties").path("DashboardBody");
        assertThat(sub.isArray()).as("!Sub [body, names]").isTrue();
        String body = sub.get(0).asText();
        Set<String> placeholders = new HashSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([^}]+)}").matcher(body);
        while (m.find()) placeholders.add(m.group(1));
        Set<String> defined = new HashSet<>(Set.of("AWS::Region"));
        sub.get(1).fieldNames().forEachRemaining(defined::add);
        RES.fieldNames().forEachRemaining(defined::add);
        assertThat(defined).as("every ${...} in the body names a resource or a !Sub variable").containsAll(placeholders);
        JsonNode widgets = new ObjectMapper().readTree(body.replaceAll("\\$\\{[^}]+}", "X")).path("widgets");
        assertThat(widgets.size()).isGreaterThanOrEqualTo(6);

        // what the worker writes as EMF (its namespace, its dimension) is what the dashboard reads
        java.io.ByteArrayOutputStream emf = new java.io.ByteArrayOutputStream();
        new com.synapbackfill.worker.EmfWorkerMetrics(new java.io.PrintStream(emf, true, java.nio.charset.StandardCharsets.UTF_8))
                .step(com.synapbackfill.model.Counters.ZERO, com.synapbackfill.ledger.CallStats.NONE);
        JsonNode line = new ObjectMapper().readTree(emf.toString(java.nio.charset.StandardCharsets.UTF_8));
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").get(0);
        Set<String> emitted = new HashSet<>();
        directive.path("Metrics").forEach(x -> emitted.add(x.path("Name").asText()));
        Set<String> drawn = new HashSet<>();
        Set<String> namespaces = new HashSet<>();
        for (JsonNode w : widgets) {
            for (JsonNode metric : w.path("properties").path("metrics")) {
                if (!metric.get(0).isTextual()) continue; // an expression
                namespaces.add(metric.get(0).asText());
                if (metric.get(0).asText().equals(directive.path("Namespace").asText())) {
                    drawn.add(metric.get(1).asText());
                    assertThat(metric.get(2).asText() + "=" + metric.get(3).asText()).isEqualTo("Service=" + line.path("Service").asText());
                }
            }
        }
        assertThat(drawn).as("every EMF metric is on the dashboard, and only those").isEqualTo(emitted);
        assertThat(namespaces).contains("AWS/SQS", "AWS/Lambda");
        assertThat(placeholders).contains("ShardQueueName", "DeadLetterQueueName", "WorkerFunction", "PlannerFunction");
        assertThat(T.path("Outputs").path("DashboardUrl").path("Value").asText()).contains("#dashboards:name=${BackfillDashboard}");
    }
}
