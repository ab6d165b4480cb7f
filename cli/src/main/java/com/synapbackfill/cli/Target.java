package com.synapbackfill.cli;

import com.synapbackfill.config.AwsClients;
import com.synapbackfill.config.Settings;
import com.synapbackfill.ledger.DynamoDbLedger;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.planner.PlannerActions;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.report.FileReportStore;
import com.synapbackfill.report.ReportStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;

/**
 * A resolved run location. LOCAL: the ledger under a state directory (DynamoDB Local) with an ElasticMQ queue
 * for this process's workers and reports on disk. DEPLOYED: the stack's table, queue and bucket through the
 * default credential chain (endpoint overrides DYNAMODB_ENDPOINT, SQS_ENDPOINT, S3_ENDPOINT, LAMBDA_ENDPOINT
 * in the environment point it at local stand-ins), and its planner function when one is named.
 */
final class Target implements AutoCloseable {
    enum Kind { LOCAL, DEPLOYED }

    /** What a command does with a local ledger: read it, write it (one writer at a time), or also work shards here. */
    enum Access { READ, WRITE, WORK }

    private final Kind kind;
    private final Map<String, String> env;
    private final AwsClients aws;
    private final String plannerFunction;
    private final String stateMachine;
    private final StateDir state;
    private final StateSpace space;
    private final String description;
    private final Map<String, String> stackParameters;

    private Target(Kind kind, Map<String, String> env, AwsClients aws, String plannerFunction, String stateMachine,
                   StateDir state, StateSpace space, String description, Map<String, String> stackParameters) {
        this.kind = kind;
        this.env = Map.copyOf(env);
        this.aws = aws;
        this.plannerFunction = plannerFunction;
        this.stateMachine = stateMachine;
        this.state = state;
        this.space = space;
        this.description = description;
        this.stackParameters = Map.copyOf(stackParameters);
    }

    /**
     * @param access   what the command does with a local ledger (a deployed one is shared by design)
     * @param extraEnv what the command adds for a local planner or worker (source, Synap, run defaults)
     */
    static Target open(StackOptions o, CliConfig c, Access access, Map<String, String> extraEnv) {
        String region = c.pick(o.region, "region", null);
        if (region != null) System.setProperty("aws.region", region);
        if (o.deployed(c)) {
            // where the AWS CLI and SAM find it (the SDK's chain misses AWS_DEFAULT_REGION), or one line saying where it looked
            System.setProperty("aws.region", AwsRegion.resolve(region, c));
            return described(o, c, extraEnv, Target::describeStack);
        }
        String dirSetting = c.pick(o.stateDir, "stateDir", "BACKFILL_STATE_DIR");
        Path dir = Path.of(dirSetting == null ? ".backfill" : dirSetting);
        // not followed if a link: StateDir refuses a link there, with its own message
        if (access == Access.READ && !java.nio.file.Files.exists(dir.resolve(StateDir.DYNAMODB), java.nio.file.LinkOption.NOFOLLOW_LINKS))
            throw new IllegalArgumentException("--state-dir: no local ledger under " + dir.toAbsolutePath()
                    + " (no run was started there); give the --state-dir of the run, or --stack for a deployed one");
        StateDir state = StateDir.open(dir, access != Access.READ);
        // the disk the ledger and the reports are written to: a write that fails on a full disk stops the run saying so
        StateSpace space = new StateSpace(dir, StateSpace.FreeSpace.REAL);
        try {
            Map<String, String> env = new LinkedHashMap<>(extraEnv);
            env.putIfAbsent("LEDGER_TABLE", "backfill-local-ledger");
            env.put("LEASE_SECONDS", "20"); // one local process: a crashed run's leases lapse quickly
            Map<String, String> local;
            AwsClients aws;
            if (access == Access.WORK) {
                // this process works the run: its own queue (shards are re-enqueued from the ledger on every start)
                LocalDeployment d = LocalDeployment.create("backfill-local", state.dynamoEndpoint(),
                        com.synapbackfill.embedded.RealParts.sqs(), null, env, java.util.List.of(space.ledgerWatch()));
                local = d.env();
                aws = d.aws();
            } else {
                // reading, reporting, retrying failures: the ledger is all it needs
                local = new LinkedHashMap<>(env);
                local.put("DYNAMODB_ENDPOINT", state.dynamoEndpoint());
                local.put("RATE_SCOPE", "backfill-local"); // the scope LocalDeployment gives a local run
                aws = new AwsClients(new Settings.Endpoints(state.dynamoEndpoint(), null, null, null), java.util.List.of(space.ledgerWatch()));
                com.synapbackfill.ledger.LedgerTable.createIfMissing(aws.dynamo(), local.get("LEDGER_TABLE"));
            }
            return new Target(Kind.LOCAL, local, aws, null, null, state, space,
                    "local ledger under " + dir.toAbsolutePath() + (state.owner() ? "" : " (served by another backfill process)"), Map.of());
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    /** @param outputs a stack's outputs by name (CloudFormation's DescribeStacks; tests give them directly) */
    static Target deployed(StackOptions o, CliConfig c, Map<String, String> extraEnv,
                           java.util.function.Function<String, Map<String, String>> outputs) {
        return described(o, c, extraEnv, stack -> new Stack(outputs.apply(stack), Map.of()));
    }

    /** A deployed stack as DescribeStacks tells it: its outputs and the parameters it was deployed with. */
    record Stack(Map<String, String> outputs, Map<String, String> parameters) {
        Stack {
            outputs = Map.copyOf(outputs);
            parameters = Map.copyOf(parameters);
        }
    }

    /** @param describe a stack's outputs and parameters by its name (CloudFormation's DescribeStacks; tests give them directly) */
    static Target described(StackOptions o, CliConfig c, Map<String, String> extraEnv, java.util.function.Function<String, Stack> describe) {
        String stack = c.pick(o.stack, "stack", "BACKFILL_STACK");
        return deployed(o, c, extraEnv, stack, stack == null ? new Stack(Map.of(), Map.of()) : describe.apply(stack));
    }

    private static Target deployed(StackOptions o, CliConfig c, Map<String, String> extraEnv, String stack, Stack described) {
        Map<String, String> outputs = described.outputs();
        Map<String, String> env = new LinkedHashMap<>(extraEnv);
        putIf(env, "LEDGER_TABLE", first(c.pick(o.ledgerTable, "ledgerTable", null), outputs.get("LedgerTableName")));
        putIf(env, "SHARD_QUEUE_URL", first(c.pick(o.queueUrl, "queueUrl", null), outputs.get("ShardQueueUrl")));
        putIf(env, "REPORT_BUCKET", first(c.pick(o.reportBucket, "reportBucket", null), outputs.get("ReportBucketName")));
        putIf(env, "WORKER_EVENT_SOURCE_MAPPING_ID", outputs.get("WorkerEventSourceMappingId"));
        for (String k : new String[] {"DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "S3_ENDPOINT", "LAMBDA_ENDPOINT"}) putIf(env, k, c.env(k));
        String scope = first(c.pick(o.rateScope, "rateScope", null), stack);
        putIf(env, "RATE_SCOPE", scope);
        // the alias the stack publishes (AutoPublishAlias live) is what the state machine invokes: one version, warmed by
        // both; $LATEST would be a second set of cold starts (a stack deployed before the output: its name)
        String planner = first(c.pick(o.plannerFunction, "plannerFunction", null),
                first(outputs.get("PlannerFunctionAliasArn"), outputs.get("PlannerFunctionName")));
        String machine = first(c.pick(o.stateMachine, "stateMachine", null), outputs.get("StateMachineArn"));
        Settings.Endpoints endpoints = new Settings.Endpoints(env.get("DYNAMODB_ENDPOINT"), env.get("SQS_ENDPOINT"),
                env.get("S3_ENDPOINT"), env.get("LAMBDA_ENDPOINT"));
        return new Target(Kind.DEPLOYED, env, new AwsClients(endpoints), planner, machine, null, null,
                stack != null ? "stack " + stack : "deployed parts" + (planner != null ? " (planner " + planner + ")" : ""),
                described.parameters());
    }

    /** The stack's outputs (template.yaml's Outputs) and parameters, by key. */
    static Stack describeStack(String stack) {
        try (CloudFormationClient cfn = CloudFormationClient.create()) {
            var described = cfn.describeStacks(r -> r.stackName(stack)).stacks().get(0);
            Map<String, String> out = new LinkedHashMap<>();
            for (Output o : described.outputs()) out.put(o.outputKey(), o.outputValue());
            Map<String, String> parameters = new LinkedHashMap<>();
            for (var p : described.parameters()) if (p.parameterValue() != null) parameters.put(p.parameterKey(), p.parameterValue());
            return new Stack(out, parameters);
        } catch (CloudFormationException e) {
            throw new IllegalArgumentException("--stack: cannot read stack \"" + stack + "\": " + e.awsErrorDetails().errorMessage());
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            throw new IllegalArgumentException("--stack: cannot reach CloudFormation for \"" + stack + "\" (credentials, region?): " + e.getMessage());
        }
    }

    boolean local() {
        return kind == Kind.LOCAL;
    }

    Map<String, String> env() {
        return env;
    }

    AwsClients aws() {
        return aws;
    }

    String stateMachine() {
        return stateMachine;
    }

    /** The deployed planner function, or null (then the planner runs in this process on the target's parts). */
    String plannerFunction() {
        return plannerFunction;
    }

    String describe() {
        return description;
    }

    /** The parameters the stack was deployed with (SynapBaseUrl, SynapApiKeySecretArn, ...); empty without --stack. */
    Map<String, String> stackParameters() {
        return stackParameters;
    }

    Ledger ledger() {
        return new DynamoDbLedger(aws.dynamo(), settings().ledgerTable(), Clock.systemUTC());
    }

    Settings settings() {
        if (!env.containsKey("LEDGER_TABLE"))
            throw new IllegalArgumentException("--ledger-table: is required for this command (or --stack, whose outputs name it)");
        return Settings.fromEnvironment(env);
    }

    /** Reports: on disk for a local ledger, else the stack's bucket. */
    ReportStore reports() {
        return local() ? space.guard(new FileReportStore(state.reports())) : null;
    }

    /** The local ledger's disk (null for a deployed stack). */
    StateSpace space() {
        return space;
    }

    /** Where this target's reports and receipts are read and written: the state directory, or the stack's bucket. */
    ReportStore store() {
        if (local()) return reports();
        String bucket = env.get("REPORT_BUCKET");
        if (bucket == null)
            throw new IllegalArgumentException("--report-bucket: the stack's report bucket is unknown (reports and receipts live there)");
        return new com.synapbackfill.report.S3ReportStore(aws.s3(), bucket);
    }

    /**
     * The planner: the deployed function when one is named (it has the stack's database and permissions),
     * else the planner service in this process on the target's parts.
     */
    PlannerActions planner() {
        if (plannerFunction != null) return new LambdaPlanner(aws.lambda(), plannerFunction, FunctionLogs.standard());
        return local() ? PlannerComponents.create(settings(), env, aws, reports(), Clock.systemUTC())
                : PlannerComponents.create(settings(), env, aws, Clock.systemUTC());
    }

    /** For a local run's workers (LocalRun): the target as a deployment. */
    LocalDeployment deployment() {
        return new LocalDeployment(env, env.get("SHARD_QUEUE_URL"), null, env.get("LEDGER_TABLE"), env.get("REPORT_BUCKET"), aws);
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static void putIf(Map<String, String> env, String k, String v) {
        if (v != null) env.put(k, v);
    }

    @Override
    public void close() {
        if (state != null) state.close();
    }
}
