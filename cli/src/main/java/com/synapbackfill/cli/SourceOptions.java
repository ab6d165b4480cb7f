package com.synapbackfill.cli;

import com.synapbackfill.model.RunConfig;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.synap.SynapClientConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The source table, Synap and the run's settings, shared by {@code run}, {@code start}, {@code resume} and
 * {@code retry-failures}. Secrets never come from flags or files: SOURCE_DB_PASSWORD and SYNAP_API_KEY from the
 * environment only.
 */
final class SourceOptions {
    @Option(names = "--jdbc-url", description = "source database (env SOURCE_JDBC_URL)") String jdbcUrl;
    @Option(names = "--db-user", description = "database user (env SOURCE_DB_USER)") String dbUser;
    @Option(names = "--table", description = "table or schema.table (env SOURCE_TABLE)") String table;
    @Option(names = "--timestamp-zone", description = "zone of timestamp-without-zone columns (default UTC)") String timestampZone;
    @Option(names = "--from-id", description = "smallest id to include") String fromId;
    @Option(names = "--to-id", description = "largest id to include") String toId;
    @Option(names = "--synap-url", description = "Synap base URL (env SYNAP_BASE_URL; default the production API)") String synapUrl;
    @Option(names = "--rate-limit", description = "the Instance's requests per minute (default 600)") Integer rateLimit;
    @Option(names = "--rate-unit", description = "CALL or DOCUMENT (default CALL)") String rateUnit;
    @Option(names = "--batch-size", description = "documents per call, 1..100 (default 100)") Integer batchSize;
    @Option(names = "--mode", description = "long-range or fast (default long-range)") String mode;
    @Option(names = "--shard-rows", description = "rows per shard (default 20000)") Integer shardRows;

    /** What the command needs from this machine. */
    enum Needs {
        /** plan a run here: database and table */
        PLAN,
        /** send rows here (work a run, retry failures): database and the Synap key; the table is the run's */
        SEND,
        /** plan and send: database, table and the Synap key */
        PLAN_AND_SEND
    }

    /**
     * The environment a local planner or worker gets (SOURCE_*, SYNAP_*, run defaults). Each missing value is an
     * error naming the flag, the file key and the variable.
     */
    Map<String, String> env(CliConfig c, Needs needs) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOURCE_JDBC_URL", required(c.pick(jdbcUrl, "jdbcUrl", "SOURCE_JDBC_URL"), "--jdbc-url (or jdbcUrl, SOURCE_JDBC_URL)"));
        env.put("SOURCE_DB_USER", required(c.pick(dbUser, "dbUser", "SOURCE_DB_USER"), "--db-user (or dbUser, SOURCE_DB_USER)"));
        putIf(env, "SOURCE_DB_PASSWORD", c.env("SOURCE_DB_PASSWORD"));
        String t = c.pick(table, "table", "SOURCE_TABLE");
        if (needs != Needs.SEND) required(t, "--table (or table, SOURCE_TABLE)");
        putIf(env, "SOURCE_TABLE", t);
        putIf(env, "SOURCE_TIMESTAMP_ZONE", c.pick(timestampZone, "timestampZone", "SOURCE_TIMESTAMP_ZONE"));
        putIf(env, "SOURCE_FROM_ID", c.pick(fromId, "fromId", "SOURCE_FROM_ID"));
        putIf(env, "SOURCE_TO_ID", c.pick(toId, "toId", "SOURCE_TO_ID"));
        String url = c.pick(synapUrl, "synapUrl", "SYNAP_BASE_URL");
        env.put("SYNAP_BASE_URL", url == null ? SynapClientConfig.DEFAULT_BASE_URL : url);
        if (needs != Needs.PLAN) {
            String key = c.env("SYNAP_API_KEY");
            if (key == null) throw new IllegalArgumentException("SYNAP_API_KEY: is required in the environment");
            env.put("SYNAP_API_KEY", key);
        }
        putIf(env, "RATE_LIMIT_PER_MINUTE", c.pick(rateLimit, "rateLimit", "RATE_LIMIT_PER_MINUTE"));
        putIf(env, "RATE_LIMIT_UNIT", c.pick(rateUnit, "rateUnit", "RATE_LIMIT_UNIT"));
        putIf(env, "BATCH_SIZE", c.pick(batchSize, "batchSize", "BATCH_SIZE"));
        putIf(env, "SYNAP_MODE", c.pick(mode, "mode", "SYNAP_MODE"));
        putIf(env, "SHARD_TARGET_ROWS", c.pick(shardRows, "shardRows", "SHARD_TARGET_ROWS"));
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
                integer(c.pick(rateLimit, "rateLimit", null), "--rate-limit"),
                unit == null ? null : rateUnit(unit), null, null);
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

    static String required(String v, String what) {
        if (v == null) throw new IllegalArgumentException(what + ": is required");
        return v;
    }

    private static void putIf(Map<String, String> env, String k, String v) {
        if (v != null) env.put(k, v);
    }
}
