package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.report.S3ReportStore;
import com.synapbackfill.source.JdbcConnectionSettings;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.synap.OkHttpSynapApi;
import com.synapbackfill.synap.SynapClientConfig;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;

/**
 * The Synap API key and the database password appear in no log line, exception message, report, ledger item
 * or error answer: a run with distinctive secrets, logging at DEBUG, with every output searched for them.
 */
class SecretsIT {
    static final String API_KEY = "synap_SECRET_a91c77e0";
    static final String DB_PASSWORD = "pgSECRET-7f3a-99";

    @Test
    void secretsAppearNowhere() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "secret_turns",
                SyntheticHistory.Options.of(2_000).withBadRowsPerKind(3));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("DROP ROLE IF EXISTS backfill_reader");
            st.execute("CREATE ROLE backfill_reader LOGIN PASSWORD '" + DB_PASSWORD + "'");
            st.execute("GRANT SELECT ON secret_turns TO backfill_reader");
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        StringBuilder everything = new StringBuilder();
        RealParts.dynamo();
        RealParts.sqs();
        RealParts.s3(); // started first: DynamoDB Local reconfigures Log4j when it starts
        Configurator.setLevel("com.synapbackfill", Level.DEBUG);
        System.setOut(capture);
        System.setErr(capture);
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .onlyApiKey(API_KEY, new EmulatorSettings.Instance("cli_0123456789abcdef", "inst_0123456789abcdef", false))
                .faults(new EmulatorSettings.Faults(0.05, 0.05, 0, 0, Duration.ofMillis(10), 0.02, 2, 0, Duration.ZERO)).build())) {
            Map<String, String> env = new HashMap<>(PipelineIT.envFor(emulator, pg, "secret_turns"));
            env.put("SYNAP_API_KEY", API_KEY);
            env.put("SOURCE_DB_USER", "backfill_reader");
            env.put("SOURCE_DB_PASSWORD", DB_PASSWORD);
            env.put("SHARD_TARGET_ROWS", "500");
            env.put("SYNAP_BACKOFF_BASE_MS", "20");
            env.put("SYNAP_BACKOFF_MAX_MS", "100");
            env.put("SHARD_RETRY_DELAY_MS", "200");
            LocalDeployment d = LocalDeployment.create("secrets", RealParts.dynamo(), RealParts.sqs(), RealParts.s3(), env);
            PlannerService planner = PlannerComponents.create(d.settings(), d.env(), d.aws(), Clock.systemUTC());
            everything.append(planner.start(PlannerRequest.of(PlannerRequest.Action.START, "secrets-run")));
            try (LocalEventSourceMapping esm = new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                    () -> new WorkerHandler(WorkerComponents.create(d.settings(), d.env(), d.aws(), ShardWorker.CrashPoints.NONE,
                            Clock.systemUTC()).worker()), 2, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1)).start()) {
                PipelineIT.waitUntilDone(planner, "secrets-run", Duration.ofMinutes(2));
            }
            everything.append(planner.status("secrets-run")).append(planner.report("secrets-run"));
            S3ReportStore reports = new S3ReportStore(d.aws().s3(), d.bucket());
            everything.append(new String(reports.get("runs/secrets-run/report.json").orElseThrow(), StandardCharsets.UTF_8));
            everything.append(new String(reports.get("runs/secrets-run/failures.jsonl").orElseThrow(), StandardCharsets.UTF_8));
            d.aws().dynamo().scanPaginator(r -> r.tableName(d.table())).items().forEach(item -> everything.append(item));
            // error paths: a refused key, a wrong password, an unreachable database, configs printed
            emulator.revokeKey(API_KEY);
            OkHttpSynapApi api = new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(),
                    SynapClientConfig.defaults(emulator.baseUrl(), API_KEY), com.synapbackfill.synap.SynapApi.CallGate.NONE,
                    ms -> { }, Clock.systemUTC());
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                    () -> api.batchCreate(com.synapbackfill.synap.WireSample.documents()));
            everything.append(refused).append(refused.getMessage()).append(api).append(d.settings());
            // (a wrong password cannot be provoked here: embedded PostgreSQL trusts local connections)
            Throwable unreachable = org.assertj.core.api.Assertions.catchThrowable(() -> new JdbcTurnSource(
                    new JdbcConnectionSettings("jdbc:postgresql://127.0.0.1:1/db?password=" + DB_PASSWORD, "u", DB_PASSWORD),
                    SourceConfig.of("secret_turns")).profile());
            everything.append(unreachable.getMessage())
                    .append(new JdbcConnectionSettings("jdbc:postgresql://h/db?password=" + DB_PASSWORD, "u", DB_PASSWORD));
            assertThat(unreachable.getMessage()).contains("SOURCE_JDBC_URL");
        } finally {
            System.setOut(out);
            System.setErr(err);
            Configurator.setLevel("com.synapbackfill", Level.WARN);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "secrets-it-output.txt"), logs + "\n----\n" + everything);
        assertThat(logs).as("logs were captured").contains("shard end");
        for (String secret : new String[] {API_KEY, DB_PASSWORD}) {
            assertThat(logs).as("log output").doesNotContain(secret);
            assertThat(everything.toString()).as("answers, reports, ledger items, errors").doesNotContain(secret);
        }
    }

    /**
     * #34: a Synap URL that would carry the key in clear to another machine, or that holds credentials, is refused before
     * anything starts; with --allow-plain-http the operator's choice stands. A MySQL URL's user:password@ never shows.
     */
    @Test
    void plainHttpElsewhereAndCredentialsInUrlsAreRefusedOrHidden() throws Exception {
        Map<String, String> env = Map.of("SYNAP_API_KEY", API_KEY, "SOURCE_DB_PASSWORD", "x");
        java.nio.file.Path state = java.nio.file.Files.createTempDirectory("secrets-urls");
        CliIT.Result plain = CliIT.run(env, "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u", "--table", "t",
                "--synap-url", "http://synap.example.com", "--state-dir", state.toString());
        assertThat(plain.exit()).as(plain.output()).isEqualTo(2);
        assertThat(plain.output()).contains("--synap-url: http://synap.example.com is not encrypted").contains("--allow-plain-http");
        CliIT.Result userinfo = CliIT.run(env, "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u", "--table", "t",
                "--synap-url", "https://me:hunter2@synap.example.com", "--state-dir", state.toString());
        assertThat(userinfo.exit()).as(userinfo.output()).isEqualTo(2);
        assertThat(userinfo.output()).contains("holds credentials").doesNotContain("hunter2");
        CliIT.Result mysql = CliIT.run(env, "run", "--jdbc-url", "jdbc:mysql://app:s3cretPw@127.0.0.1:1/x", "--db-user", "u", "--table", "t",
                "--synap-url", "http://127.0.0.1:1", "--state-dir", state.toString());
        assertThat(mysql.output()).doesNotContain("s3cretPw");
        try (var files = java.nio.file.Files.list(state)) {
            assertThat(files.toList()).as("nothing started").isEmpty();
        }
    }
}
