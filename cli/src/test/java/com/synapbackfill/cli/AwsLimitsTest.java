package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.source.ShardPlanner;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceProfile;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AWS's limits that LocalStack does not enforce, each against the worst case the design allows (docs/deploy.md, "AWS
 * limits and the design's margins"): an SQS message and a batch of them (256 KiB), a Step Functions state (256 KiB), a
 * DynamoDB item (400 KB), and the planner's shards within its timeout. The history's 25,000 events are
 * {@code TemplateConsistencyTest}'s.
 */
class AwsLimitsTest {
    static final int KIB_256 = 256 * 1024;

    @Test
    void aShardMessageAndABatchOfTenStayFarUnderSqsLimit() {
        ShardMessage largest = new ShardMessage(ShardMessage.SCHEMA_VERSION, "r".repeat(64), Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE);
        int one = largest.toJson().getBytes(StandardCharsets.UTF_8).length;
        assertThat(one * 10).as("a SendMessageBatch of 10 of the largest message").isLessThan(KIB_256 / 100);
    }

    /** The largest source settings the checks let through: a query whose every character JSON must escape. */
    static SourceConfig largestSource() {
        String prefix = "SELECT id, user_id, conversation_id, message_index, user_text, assistant_text, created_at, '";
        String suffix = "' AS pad FROM t";
        int lo = 0;
        int hi = SourceConfig.MAX_JSON_BYTES;
        SourceConfig best = null;
        while (lo < hi) { // the longest padding of quotes (each escaped as \") that still fits
            int mid = (lo + hi + 1) / 2;
            try {
                best = new SourceConfig(null, null, null, null, null, null, null, null, null, prefix + "\"".repeat(mid) + suffix, null);
                lo = mid;
            } catch (IllegalArgumentException tooLarge) {
                hi = mid - 1;
            }
        }
        return new SourceConfig(null, null, null, null, null, null, null, null, null, prefix + "\"".repeat(lo) + suffix, null);
    }

    @Test
    void sourceSettingsOverTheirLimitAreRefusedNamingIt() {
        String q = "SELECT id FROM t WHERE x = '" + "\"".repeat(SourceConfig.MAX_JSON_BYTES / 2) + "'";
        assertThatThrownBy(() -> new SourceConfig(null, null, null, null, null, null, null, null, null, q, null))
                .hasMessageContaining("source: its settings are").hasMessageContaining("at most 131,072").hasMessageContaining("shorten source.query");
        assertThat(Json.writeBytes(largestSource()).length).isLessThanOrEqualTo(SourceConfig.MAX_JSON_BYTES);
    }

    /**
     * The state machine's state at its largest: the execution input with the largest source, the run, the poll and loop
     * counters, the status with the longest reason (every character escaped as \\uXXXX) and trouble, the report and the
     * verify outcome, the continuation.
     */
    @Test
    void theStateMachinesLargestStateStaysUnder256KiB() {
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("runId", "r".repeat(64));
        start.put("source", largestSource());
        start.put("rateLimitPerMinute", 1_000_000);
        start.put("batchSize", 100);
        start.put("maxCredits", Long.MAX_VALUE);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("resume", true);
        state.put("start", start);
        state.put("poll", Map.of("seconds", 3600));
        state.put("loop", Map.of("count", 800, "limit", 800));
        state.put("run", Map.of("runId", "r".repeat(64), "shards", ShardPlanner.MAX_SHARDS, "estimatedRows", Long.MAX_VALUE));
        String reason = RunState.keptReason("\u0001".repeat(RunState.REASON_MAX_CHARS * 2));
        String trouble = "\u0001".repeat(300);
        Counters c = new Counters(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE,
                Long.MAX_VALUE, Long.MAX_VALUE);
        state.put("status", Map.of("status", "RUNNING", "done", false, "blocked", false, "reason", reason, "counters", c,
                "etaSeconds", Long.MAX_VALUE, "trouble", trouble));
        state.put("report", Map.of("reportLocation", "s3://" + "b".repeat(63) + "/runs/" + "r".repeat(64) + "/report.json", "failures",
                Long.MAX_VALUE, "invariantHolds", true, "pageLocation", "s3://" + "b".repeat(63) + "/runs/" + "r".repeat(64) + "/report.html"));
        state.put("verify", Map.of("sample", 100_000, "maxPasses", 1_000, "passes", 1_000, "done", true, "outcome", "completed",
                "byStatus", Map.of("completed", 100_000, "failed", 100_000, "partial_success", 100_000, "pending", 100_000, "not_found", 100_000)));
        state.put("continuedIn", Map.of("executionArn", "arn:aws:states:us-east-1:123456789012:execution:" + "s".repeat(80) + ":" + "e".repeat(80)));
        int bytes = Json.writeBytes(state).length;
        assertThat(bytes).as("the largest state, in bytes").isLessThan(KIB_256 * 9 / 10);
        // and the run item the ledger keeps (config, reason) under DynamoDB's 400 KB
        JsonNode run = Json.MAPPER.valueToTree(Map.of("config", Json.write(largestSource()), "reason", reason, "trouble", trouble));
        assertThat(Json.writeBytes(run).length).isLessThan(400_000 * 8 / 10);
    }

    @Test
    void aLongReasonIsCutToWhatTheLedgerKeeps() {
        assertThat(RunState.keptReason("x".repeat(10_000))).hasSize(RunState.REASON_MAX_CHARS).endsWith("…");
        assertThat(RunState.keptReason("short")).isEqualTo("short");
    }

    /** However large the table, the planner cuts at most 10,000 shards (larger ones then): what one invocation writes and enqueues. */
    @Test
    void theLargestTablePlansAtMostTenThousandShards() {
        List<com.synapbackfill.model.Shard> shards = ShardPlanner.plan("r", new SourceProfile(IdType.BIGINT, "1", "5000000000", 5_000_000_000L),
                1_000, List.of());
        assertThat(shards).hasSizeLessThanOrEqualTo(ShardPlanner.MAX_SHARDS).hasSizeGreaterThan(ShardPlanner.MAX_SHARDS / 2);
    }
}
