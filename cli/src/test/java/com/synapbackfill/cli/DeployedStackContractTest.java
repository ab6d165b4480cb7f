package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.planner.PlannerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the CLI sends a deployed stack is what its planner and state machine read; what it reads, the template declares. */
class DeployedStackContractTest {
    private static final CliConfig NO_FILE = CliConfig.load(null, Map.of());

    @Test
    void aStartEventCarriesOnlyWhatWasGivenAndThePlannerReadsItBack() {
        RunSettingsOptions o = new RunSettingsOptions();
        o.table = "public.turns";
        o.rateLimit = 1200;
        o.rateUnit = "document";
        String event = LambdaPlanner.event(o.startRequest(NO_FILE, "nov-run"));
        JsonNode tree = Json.read(event, JsonNode.class);
        assertThat(tree.get("action").asText()).isEqualTo("start");
        assertThat(tree.get("runId").asText()).isEqualTo("nov-run");
        assertThat(tree.get("rateLimitPerMinute").asInt()).isEqualTo(1200);
        assertThat(tree.has("batchSize")).as("unset fields are left to the function's environment").isFalse();
        PlannerRequest back = Json.read(event, PlannerRequest.class);
        assertThat(back.action()).isEqualTo(PlannerRequest.Action.START);
        assertThat(back.source().table()).isEqualTo("public.turns");
        assertThat(back.rateLimitUnit()).hasToString("DOCUMENT");
    }

    @Test
    void theStateMachineInputIsTheStartEventUnderStartWithoutItsAction() throws Exception {
        RunSettingsOptions o = new RunSettingsOptions();
        o.batchSize = 50;
        JsonNode input = Json.read(StartCommand.stateMachineInput(o.startRequest(NO_FILE, "nov-run")), JsonNode.class);
        assertThat(input.fieldNames()).toIterable().containsExactly("start");
        assertThat(input.get("start").get("runId").asText()).isEqualTo("nov-run");
        assertThat(input.get("start").get("batchSize").asInt()).isEqualTo(50);
        assertThat(input.get("start").has("action")).isFalse();
        // the state machine merges {"action":"start"} into $.start
        String asl = Files.readString(Path.of("..", "statemachine", "backfill.asl.json"));
        assertThat(asl).contains("States.JsonMerge($.start, States.StringToJson('{\\\"action\\\":\\\"start\\\"}'), false)");
    }

    @Test
    void aConfigFileFillsWhatFlagsLeaveAndAnUnknownKeyIsNamed() throws Exception {
        Path file = Files.createTempFile("backfill", ".yaml");
        Files.writeString(file, "table: public.turns\nrateLimit: 900\n");
        CliConfig c = CliConfig.load(file, Map.of("RATE_LIMIT_PER_MINUTE", "300", "SOURCE_TABLE", "env_table"));
        RunSettingsOptions o = new RunSettingsOptions();
        o.rateLimit = 1500;
        assertThat(c.pick(o.rateLimit, "rateLimit", "RATE_LIMIT_PER_MINUTE")).isEqualTo("1500");
        assertThat(c.pick(null, "rateLimit", "RATE_LIMIT_PER_MINUTE")).isEqualTo("900");
        assertThat(c.pick(null, "batchSize", "RATE_LIMIT_PER_MINUTE")).isEqualTo("300");
        Files.writeString(file, "tabel: turns\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CliConfig.load(file, Map.of()))
                .hasMessageContaining("--config").hasMessageContaining("unknown key \"tabel\"");
    }

    @Test
    void aStacksOutputsNameItsPartsAndFlagsWinOverThem() {
        StackOptions o = new StackOptions();
        o.stack = "synap-backfill";
        o.queueUrl = "https://sqs.eu-west-1.amazonaws.com/1/other-queue";
        Map<String, String> outputs = Map.of("PlannerFunctionName", "synap-backfill-PlannerFunction-1",
                "StateMachineArn", "arn:aws:states:eu-west-1:1:stateMachine:backfill", "LedgerTableName", "synap-backfill-ledger",
                "ShardQueueUrl", "https://sqs.eu-west-1.amazonaws.com/1/shards", "ReportBucketName", "synap-backfill-reports",
                "WorkerEventSourceMappingId", "0f1e2d3c");
        try (Target t = Target.deployed(o, NO_FILE, Map.of(), stack -> {
            assertThat(stack).isEqualTo("synap-backfill");
            return outputs;
        })) {
            assertThat(t.local()).isFalse();
            assertThat(t.plannerFunction()).isEqualTo("synap-backfill-PlannerFunction-1");
            assertThat(t.stateMachine()).endsWith(":stateMachine:backfill");
            assertThat(t.env()).containsEntry("LEDGER_TABLE", "synap-backfill-ledger")
                    .containsEntry("SHARD_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/other-queue")
                    .containsEntry("REPORT_BUCKET", "synap-backfill-reports")
                    .containsEntry("WORKER_EVENT_SOURCE_MAPPING_ID", "0f1e2d3c")
                    .containsEntry("RATE_SCOPE", "synap-backfill");
        }
    }

    @Test
    void theCliInvokesThePlannersAliasWhenTheStackNamesIt() {
        StackOptions o = new StackOptions();
        o.stack = "synap-backfill";
        String alias = "arn:aws:lambda:eu-west-1:1:function:synap-backfill-PlannerFunction-1:live";
        // the alias the state machine invokes: one set of environments for both, not a second cold start on $LATEST
        try (Target t = Target.described(o, NO_FILE, Map.of(), stack -> new Target.Stack(Map.of("PlannerFunctionName",
                "synap-backfill-PlannerFunction-1", "PlannerFunctionAliasArn", alias), Map.of("SynapBaseUrl", "https://synap.example")))) {
            assertThat(t.plannerFunction()).isEqualTo(alias);
            assertThat(t.stackParameters()).containsEntry("SynapBaseUrl", "https://synap.example");
        }
        // a stack deployed before the output: its function's name
        try (Target t = Target.deployed(o, NO_FILE, Map.of(), stack -> Map.of("PlannerFunctionName", "synap-backfill-PlannerFunction-1"))) {
            assertThat(t.plannerFunction()).isEqualTo("synap-backfill-PlannerFunction-1");
        }
        o.plannerFunction = "mine";
        try (Target t = Target.described(o, NO_FILE, Map.of(), stack -> new Target.Stack(Map.of("PlannerFunctionAliasArn", alias), Map.of()))) {
            assertThat(t.plannerFunction()).isEqualTo("mine");
        }
    }

    @Test
    void theTemplateDeclaresEveryOutputTheCliReads() throws Exception {
        String template = Files.readString(Path.of("..", "template.yaml"));
        for (String output : new String[] {"PlannerFunctionName", "PlannerFunctionAliasArn", "StateMachineArn", "LedgerTableName", "ShardQueueUrl",
                "ReportBucketName", "WorkerEventSourceMappingId"})
            assertThat(template).contains("\n  " + output + ":\n");
    }
}
