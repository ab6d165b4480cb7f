package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.error.BackfillException;
import com.synapbackfill.error.BlockedException;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.report.FileReportStore;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code backfill run}: a real backfill from a laptop or a server, with the same planner and worker services
 * as in Lambda. The ledger is a DynamoDB Local persisted under {@code --state-dir}, so a killed run continues
 * from its checkpoints when started again with the same {@code --run-id}. Configuration: flags, then a YAML
 * file ({@code --config}), then environment variables.
 */
@Command(name = "run", description = "Backfill a real table into Synap from this machine (ledger kept under --state-dir).",
        footer = {"", "Secrets come from the environment only: SYNAP_API_KEY and SOURCE_DB_PASSWORD.",
                "Config file keys are the long option names: jdbcUrl, dbUser, table, synapUrl, rateLimit, concurrency, ...",
                "", "Examples:",
                "  SYNAP_API_KEY=synap_... SOURCE_DB_PASSWORD=... backfill run --jdbc-url jdbc:postgresql://db:5432/app \\",
                "      --db-user reader --table public.turns --rate-limit 600 --run-id backfill-nov",
                "  backfill run --config backfill.yaml --run-id backfill-nov     # again after a crash: continues"})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML file with any of the options below (flags win over it)") Path config;
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
    @Option(names = "--concurrency", description = "workers, 2..1000 (default: recommended)") Integer concurrency;
    @Option(names = "--run-id", description = "run id; the same id continues a stopped run") String runId;
    @Option(names = "--state-dir", description = "where the ledger and reports are kept (default .backfill)") Path stateDir;

    private JsonNode file;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        file = config == null ? new ObjectMapper().createObjectNode() : readConfig(config);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOURCE_JDBC_URL", required(pick(jdbcUrl, "jdbcUrl", "SOURCE_JDBC_URL"), "--jdbc-url (or jdbcUrl, SOURCE_JDBC_URL)"));
        env.put("SOURCE_DB_USER", required(pick(dbUser, "dbUser", "SOURCE_DB_USER"), "--db-user (or dbUser, SOURCE_DB_USER)"));
        String password = System.getenv("SOURCE_DB_PASSWORD");
        if (password != null) env.put("SOURCE_DB_PASSWORD", password);
        env.put("SOURCE_TABLE", required(pick(table, "table", "SOURCE_TABLE"), "--table (or table, SOURCE_TABLE)"));
        putIf(env, "SOURCE_TIMESTAMP_ZONE", pick(timestampZone, "timestampZone", "SOURCE_TIMESTAMP_ZONE"));
        putIf(env, "SOURCE_FROM_ID", pick(fromId, "fromId", "SOURCE_FROM_ID"));
        putIf(env, "SOURCE_TO_ID", pick(toId, "toId", "SOURCE_TO_ID"));
        String url = pick(synapUrl, "synapUrl", "SYNAP_BASE_URL");
        env.put("SYNAP_BASE_URL", url == null ? SynapClientConfig.DEFAULT_BASE_URL : url);
        String key = System.getenv("SYNAP_API_KEY");
        if (key == null || key.isBlank()) throw new IllegalArgumentException("SYNAP_API_KEY: is required in the environment");
        env.put("SYNAP_API_KEY", key);
        putIf(env, "RATE_LIMIT_PER_MINUTE", pick(str(rateLimit), "rateLimit", "RATE_LIMIT_PER_MINUTE"));
        putIf(env, "RATE_LIMIT_UNIT", pick(rateUnit, "rateUnit", "RATE_LIMIT_UNIT"));
        putIf(env, "BATCH_SIZE", pick(str(batchSize), "batchSize", "BATCH_SIZE"));
        putIf(env, "SYNAP_MODE", pick(mode, "mode", "SYNAP_MODE"));
        putIf(env, "SHARD_TARGET_ROWS", pick(str(shardRows), "shardRows", "SHARD_TARGET_ROWS"));
        env.put("LEASE_SECONDS", "20"); // one local process: a crashed run's leases lapse quickly
        String workers = pick(str(concurrency), "concurrency", "CONCURRENCY");
        Integer workerCount = workers == null ? null : integer(workers, "--concurrency");
        if (workerCount != null && (workerCount < 2 || workerCount > 1000))
            throw new IllegalArgumentException("--concurrency: must be 2..1000, was " + workerCount);
        String id = pick(runId, "runId", "RUN_ID");
        id = id == null ? RunIds.generate(Clock.systemUTC()) : RunIds.requireValid(id);
        String stateSetting = pick(stateDir == null ? null : stateDir.toString(), "stateDir", "BACKFILL_STATE_DIR");
        Path state = Path.of(stateSetting == null ? ".backfill" : stateSetting);

        // validate what can be validated before any work: settings, the run config, Synap's answer to the key
        var settings = com.synapbackfill.config.Settings.fromEnvironment(withLedger(env));
        checkSynap(env.get("SYNAP_BASE_URL"), key);

        out.println("Ledger under " + state.toAbsolutePath() + " (DynamoDB Local); run " + id);
        String dynamo = RealParts.startDynamo(state.resolve("dynamodb"));
        LocalDeployment d = LocalDeployment.create("backfill-local", dynamo, RealParts.sqs(), null, withLedger(env));
        LocalRun run = new LocalRun(d, new FileReportStore(state.resolve("reports")));
        PlannerResults.Start start = run.start(PlannerRequest.of(PlannerRequest.Action.START, id));
        if (!start.created()) {
            PlannerResults.Resume r = run.planner().resume(id);
            out.printf("Run %s exists (%s): %d unfinished shards continue from their checkpoints.%n", id, start.status(), r.shardsEnqueued());
        } else {
            out.printf("Run %s: %d shards over ~%,d rows, ceiling %.0f docs/s, ETA %s.%n", id, start.shards(), start.estimatedRows(),
                    start.ceilingDocsPerSecond(), Progress.eta(start.etaSeconds()));
        }
        int n = workerCount != null ? workerCount : start.recommendedConcurrency();
        PlannerResults.Status status;
        try (Progress progress = new Progress(out, System.console() != null, 10_000)) {
            status = run.work(id, n, Duration.ofMinutes(5), Duration.ofDays(30), Duration.ofSeconds(1), progress);
        }
        PlannerResults.Report report = run.planner().report(id);
        out.printf("Run %s: %s%s; rows %,d: accepted %,d, already present %,d, failed %,d. Report: %s%n", id, status.status(),
                status.reason() == null ? "" : " (" + status.reason() + ")", status.counters().rowsRead(), status.counters().accepted(),
                status.counters().alreadyPresent(), status.counters().failed(), report.reportLocation());
        if (status.blocked()) return BackfillCommand.BLOCKED;
        if (!"COMPLETED".equals(status.status())) return BackfillCommand.ERROR;
        return report.invariantHolds() ? BackfillCommand.OK : BackfillCommand.INVARIANT;
    }

    private static Map<String, String> withLedger(Map<String, String> env) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.putIfAbsent("LEDGER_TABLE", "backfill-local-ledger");
        return e;
    }

    /** A whoami before any work: a wrong URL or a refused key is a configuration error, not a blocked run. */
    private static void checkSynap(String url, String key) {
        SynapApi api = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), SynapClientConfig.defaults(url, key)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15)), SynapApi.CallGate.NONE,
                OkHttpSynapApi.Sleeper.REAL, Clock.systemUTC());
        try {
            api.whoami();
        } catch (BlockedException e) {
            throw new IllegalArgumentException("SYNAP_API_KEY: Synap refused it (" + e.httpStatus() + ")");
        } catch (BackfillException e) {
            throw new IllegalArgumentException("--synap-url: cannot reach Synap at " + url + " (" + e.errorClass() + ")");
        }
    }

    private JsonNode readConfig(Path p) {
        try {
            JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(p));
            if (n == null || !n.isObject()) throw new IllegalArgumentException("--config: " + p + " is not a YAML mapping");
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!java.util.Set.of("jdbcUrl", "dbUser", "table", "timestampZone", "fromId", "toId", "synapUrl", "rateLimit",
                        "rateUnit", "batchSize", "mode", "shardRows", "concurrency", "runId", "stateDir").contains(k))
                    throw new IllegalArgumentException("--config: unknown key \"" + k + "\" in " + p);
            }
            return n;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("--config: cannot read " + p + ": " + e.getMessage());
        }
    }

    private String pick(String flag, String yamlKey, String envVar) {
        if (flag != null) return flag;
        if (file.hasNonNull(yamlKey)) return file.get(yamlKey).asText();
        String e = System.getenv(envVar);
        return e == null || e.isBlank() ? null : e;
    }

    private static String str(Integer v) {
        return v == null ? null : v.toString();
    }

    private static int integer(String v, String field) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": must be a whole number, was \"" + v + "\"");
        }
    }

    private static String required(String v, String what) {
        if (v == null) throw new IllegalArgumentException(what + ": is required");
        return v;
    }

    private static void putIf(Map<String, String> env, String k, String v) {
        if (v != null) env.put(k, v);
    }
}
