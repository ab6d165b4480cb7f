package com.synapbackfill.cli;

import com.synapbackfill.model.RunConfig;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.source.SourceConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What a new run reads and how it sends: the table and the run's settings. Only for commands that start a run
 * ({@code run}, {@code start}); a resumed or retried run keeps the settings the ledger holds.
 */
final class RunSettingsOptions {
    @Option(names = "--table", description = "table or schema.table (env SOURCE_TABLE)") String table;
    @Option(names = "--timestamp-zone", description = "zone of timestamp-without-zone columns (default UTC)") String timestampZone;
    @Option(names = "--from-id", description = "smallest id to include") String fromId;
    @Option(names = "--to-id", description = "largest id to include") String toId;
    @Option(names = "--rate-limit", description = "the Instance's requests per minute (default 600)") Integer rateLimit;
    @Option(names = "--rate-unit", description = "CALL or DOCUMENT (default CALL)") String rateUnit;
    @Option(names = "--batch-size", description = "documents per call, 1..100 (default 100)") Integer batchSize;
    @Option(names = "--mode", description = "long-range or fast (default long-range)") String mode;
    @Option(names = "--shard-rows", description = "rows per shard (default 20000; smaller when the rate limit needs more workers)") Integer shardRows;

    /** As environment variables of a local planner (its run defaults); the table is required. */
    Map<String, String> env(CliConfig c) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOURCE_TABLE", SourceOptions.required(c.pick(table, "table", "SOURCE_TABLE"), "--table (or table, SOURCE_TABLE)"));
        SourceOptions.putIf(env, "SOURCE_TIMESTAMP_ZONE", c.pick(timestampZone, "timestampZone", "SOURCE_TIMESTAMP_ZONE"));
        SourceOptions.putIf(env, "SOURCE_FROM_ID", c.pick(fromId, "fromId", "SOURCE_FROM_ID"));
        SourceOptions.putIf(env, "SOURCE_TO_ID", c.pick(toId, "toId", "SOURCE_TO_ID"));
        SourceOptions.putIf(env, "RATE_LIMIT_PER_MINUTE", c.pick(rateLimit, "rateLimit", "RATE_LIMIT_PER_MINUTE"));
        SourceOptions.putIf(env, "RATE_LIMIT_UNIT", c.pick(rateUnit, "rateUnit", "RATE_LIMIT_UNIT"));
        SourceOptions.putIf(env, "BATCH_SIZE", c.pick(batchSize, "batchSize", "BATCH_SIZE"));
        SourceOptions.putIf(env, "SYNAP_MODE", c.pick(mode, "mode", "SYNAP_MODE"));
        SourceOptions.putIf(env, "SHARD_TARGET_ROWS", c.pick(shardRows, "shardRows", "SHARD_TARGET_ROWS"));
        return env;
    }

    /**
     * A start event for a deployed planner: only what was given here; the rest comes from the function's
     * environment (its SOURCE_TABLE and defaults). The database is the stack's, so no URL or user is sent.
     */
    PlannerRequest startRequest(CliConfig c, String runId) {
        String t = c.pick(table, "table", null);
        SourceConfig source = t == null ? null : new SourceConfig(t, null, c.pick(timestampZone, "timestampZone", null),
                c.pick(fromId, "fromId", null), c.pick(toId, "toId", null));
        String unit = c.pick(rateUnit, "rateUnit", null);
        return new PlannerRequest(PlannerRequest.Action.START, runId, source, integer(c.pick(batchSize, "batchSize", null), "--batch-size"),
                null, null, null, integer(c.pick(shardRows, "shardRows", null), "--shard-rows"), c.pick(mode, "mode", null), null, null,
                integer(c.pick(rateLimit, "rateLimit", null), "--rate-limit"), unit == null ? null : rateUnit(unit), null, null);
    }

    private static RunConfig.RateLimitUnit rateUnit(String v) {
        try {
            return RunConfig.RateLimitUnit.valueOf(v.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rate-unit: must be one of " + java.util.Arrays.toString(RunConfig.RateLimitUnit.values())
                    + ", was \"" + v + "\"");
        }
    }

    private static Integer integer(String v, String field) {
        return v == null ? null : CliConfig.integer(v, field);
    }
}
