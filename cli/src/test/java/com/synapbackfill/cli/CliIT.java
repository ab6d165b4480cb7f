package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The built CLI as a user runs it: a separate process, its exit code and its output. */
class CliIT {
    record Result(int exit, String output) {
    }

    static Process start(Map<String, String> env, String... args) throws Exception {
        return start(List.of(), env, args);
    }

    /**
     * The CLI behind {@code prefix} ({@code env --default-signal=INT}: a child inherits an ignored SIGINT from a test JVM
     * that CI started in the background, and a test must not depend on that).
     */
    static Process start(List<String> prefix, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // as the launcher does: the client compiler only for short operator commands
        if (List.of("status", "report", "tune", "failures", "start", "estimate").contains(args[0])) cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BackfillCommand.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("SYNAP_API_KEY");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Starts the CLI and returns once the emulator accepted {@code accepted} documents (or two minutes passed). */
    static Process startAndAwait(SynapEmulator emulator, long accepted, Map<String, String> env, String... args) throws Exception {
        return startAndAwait(List.of(), emulator, accepted, env, args);
    }

    static Process startAndAwait(List<String> prefix, SynapEmulator emulator, long accepted, Map<String, String> env, String... args) throws Exception {
        Process p = start(prefix, env, args);
        await("the CLI sent " + accepted + " documents (or ended)").atMost(java.time.Duration.ofMinutes(2))
                .until(() -> emulator.stats().accepted() >= accepted || !p.isAlive());
        return p;
    }

    static Result run(Map<String, String> env, String... args) throws Exception {
        long t0 = System.nanoTime();
        Process p = start(env, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        System.err.printf("backfill %s: exit %d in %d ms%n", args[0], p.exitValue(), (System.nanoTime() - t0) / 1_000_000);
        return new Result(p.exitValue(), out);
    }

    @Test
    void verbosePrintsTheStackTraceOfAnErrorAndNothingElseEverDoes() throws Exception {
        String[] args = {"estimate", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/app", "--db-user", "u", "--table", "t"};
        Result plain = run(Map.of("SOURCE_DB_PASSWORD", "x"), args);
        assertThat(plain.exit()).as(plain.output()).isEqualTo(1);
        assertThat(plain.output()).contains("SOURCE_JDBC_URL: cannot connect to the source database").doesNotContain("\tat ")
                .doesNotContain("Exception:");
        List<String> verbose = new ArrayList<>(List.of(args));
        verbose.add("--verbose");
        Result loud = run(Map.of("SOURCE_DB_PASSWORD", "x"), verbose.toArray(String[]::new));
        assertThat(loud.exit()).as(loud.output()).isEqualTo(1);
        assertThat(loud.output()).contains("SOURCE_JDBC_URL: cannot connect to the source database")
                .contains("com.synapbackfill.error.RetryableException").contains("\tat com.synapbackfill.source.JdbcTurnSource");
    }

    @Test
    void demoAtASmallSizeExitsZeroWithTheSummary() throws Exception {
        Result r = run(Map.of(), "demo", "--rows", "3000", "--rate-limit", "12000", "--latency-p50-ms", "5", "--latency-p95-ms", "20");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("COMPLETED").contains("Invariant: source 3,000").contains("holds").contains("exactly once");
    }

    @Test
    void demoOnMariaDbExitsZeroWithTheSummary() throws Exception {
        Result r = run(Map.of(), "demo", "--db", "mysql", "--rows", "3000", "--rate-limit", "12000", "--latency-p50-ms", "5", "--latency-p95-ms", "20");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("into MariaDB").contains("COMPLETED").contains("Invariant: source 3,000").contains("holds")
                .contains("exactly once").doesNotContain("commons-logging");
        Result bad = run(Map.of(), "demo", "--db", "oracle");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("--db: must be postgres or mysql, was \"oracle\"");
    }

    @Test
    void oneWorkerIsAllowedAndFinishesTheRun() throws Exception {
        Result r = run(Map.of(), "demo", "--rows", "1500", "--concurrency", "1", "--rate-limit", "12000", "--latency-p50-ms", "5",
                "--latency-p95-ms", "20");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("; 1 worker.").contains("exactly once");
    }

    @Test
    void demoWithFaultsStillExitsZero() throws Exception {
        Result r = run(Map.of(), "demo", "--rows", "5000", "--rate-limit", "12000", "--latency-p50-ms", "5", "--latency-p95-ms", "20",
                "--faults", "--seed", "3");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("exactly once");
        // the faults were met and retried: ~50 calls at 10 % 503s, 2 % drops, 2 % slow accepts, 429 bursts
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Synap received ([\\d,]+) batch requests for ([\\d,]+) answered calls: ([\\d,]+) retried")
                .matcher(r.output());
        assertThat(m.find()).as(r.output()).isTrue();
        long requests = Long.parseLong(m.group(1).replace(",", ""));
        long calls = Long.parseLong(m.group(2).replace(",", ""));
        assertThat(Long.parseLong(m.group(3).replace(",", ""))).isPositive().isEqualTo(requests - calls);
    }

    @Test
    void badConfigurationExitsTwoNamingTheField() throws Exception {
        // one worker is a valid choice on one machine (the issue's own report); 1001 is not
        Result conc = run(Map.of(), "demo", "--concurrency", "1001");
        assertThat(conc.exit()).isEqualTo(2);
        assertThat(conc.output()).contains("--concurrency").contains("1..1000").contains("1001");
        // a mistyped value or flag: the error, a suggestion, where to look — not the whole usage
        Result badValue = run(Map.of(), "run", "--rate-limit", "abc");
        assertThat(badValue.exit()).isEqualTo(2);
        assertThat(badValue.output()).contains("Invalid value for option '--rate-limit': 'abc'").contains("See 'backfill run --help'")
                .doesNotContain("Usage:");
        Result typo = run(Map.of(), "run", "--rate-limt", "5");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.output()).contains("--rate-limit").doesNotContain("Usage:");
        Result noKey = run(Map.of(), "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u", "--table", "t");
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.output()).contains("SYNAP_API_KEY");
        Result badBatch = run(Map.of("SYNAP_API_KEY", "k"), "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u",
                "--table", "t", "--batch-size", "500");
        assertThat(badBatch.exit()).isEqualTo(2);
        assertThat(badBatch.output()).contains("batchSize").contains("1..100");
        Result badTable = run(Map.of("SYNAP_API_KEY", "k"), "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u",
                "--table", "t; DROP TABLE x");
        assertThat(badTable.exit()).isEqualTo(2);
        assertThat(badTable.output()).contains("source.table");
        Result noSynap = run(Map.of("SYNAP_API_KEY", "k"), "run", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--db-user", "u",
                "--table", "t", "--synap-url", "http://127.0.0.1:1");
        assertThat(noSynap.exit()).isEqualTo(2);
        assertThat(noSynap.output()).contains("--synap-url");
    }

    @Test
    void estimateReportsTheBadRowCountsOfATableExactly() throws Exception {
        RealParts.Postgres pg = RealParts.postgres();
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "estimate_turns",
                SyntheticHistory.Options.of(2_000).withBadRowsPerKind(7));
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            Result r = run(Map.of("SOURCE_DB_PASSWORD", pg.password(), "SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY), "estimate",
                    "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "estimate_turns", "--sample", "5000",
                    "--send", "250", "--synap-url", emulator.baseUrl());
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("sampled 2,000 rows");
            for (String kind : SyntheticHistory.BAD_KINDS) {
                assertThat(r.output()).containsPattern("bad_row:" + kind + "\\s+7\\b");
            }
            assertThat(r.output()).contains("sent 250 documents in 3 calls: accepted 250");
            assertThat(emulator.documents()).hasSize(250);
            assertThat(loaded.badRows()).isEqualTo(42);
        }
    }

    @Test
    void aKilledRunContinuesFromItsCheckpointsWhenStartedAgain() throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600).build())) {
            TableRun r = TableRun.of("cli_turns", 8_000, "cli-run", emulator);
            SyntheticHistory.Loaded loaded = r.loaded();
            Path state = r.state();
            Map<String, String> env = r.env();
            String[] args = r.args();
            Process first = startAndAwait(emulator, 2_000, env, args);
            first.destroyForcibly().waitFor();
            long before = emulator.stats().accepted();
            assertThat(before).isBetween(1_000L, (long) loaded.validRows() - 1);
            Result second = run(env, args);
            assertThat(second.exit()).as(second.output()).isZero();
            assertThat(second.output()).contains("exists").contains("COMPLETED");
            assertThat(emulator.documents()).hasSize(loaded.validRows());
            // continued, not restarted: Synap was not sent the first run's work again
            assertThat(emulator.stats().documentsReceived() - emulator.stats().accepted()).isLessThan(1_000);
            assertThat(new File(state.toFile(), "reports/runs/cli-run/report.json")).exists();
        }
    }

    @Test
    void theSameCommandWithoutARunIdContinuesTheUnfinishedRunOfThatSource() throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600).build())) {
            TableRun r = TableRun.of("cli_again", 6_000, null, emulator);
            SyntheticHistory.Loaded loaded = r.loaded();
            Map<String, String> env = r.env();
            String[] args = r.args();
            Process first = startAndAwait(emulator, 1_500, env, args);
            first.destroyForcibly().waitFor();
            assertThat(emulator.stats().accepted()).isBetween(1_000L, (long) loaded.validRows() - 1);
            Result second = run(env, args);
            assertThat(second.exit()).as(second.output()).isZero();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Continuing run (\\S+): the same source").matcher(second.output());
            assertThat(m.find()).as(second.output()).isTrue();
            assertThat(second.output()).contains("Run " + m.group(1) + " exists").contains("COMPLETED");
            assertThat(emulator.documents()).hasSize(loaded.validRows());
            assertThat(emulator.stats().documentsReceived() - emulator.stats().accepted()).as("not restarted").isLessThan(1_000);
            // the resends are named as such (#18 item 2): every "already present" of the run was sent again in this session
            java.util.regex.Matcher present = java.util.regex.Pattern.compile("already present ([\\d,]+), failed").matcher(second.output());
            assertThat(present.find()).as(second.output()).isTrue();
            long resent = Long.parseLong(present.group(1).replace(",", ""));
            if (resent > 0) assertThat(second.output()).contains(String.format("%,d already present were sent again in this session", resent));
            else assertThat(second.output()).doesNotContain("sent again in this session");
            // once it completed, the same command starts a new run (and Synap answers "already present")
            Result third = run(env, args);
            assertThat(third.exit()).as(third.output()).isZero();
            assertThat(third.output()).doesNotContain("Continuing run").contains("already present " + String.format("%,d", loaded.validRows()));
            assertThat(emulator.documents()).hasSize(loaded.validRows());
        }
    }

    @Test
    void ctrlCPausesTheRunAtBatchBoundariesAndPrintsHowToContinue() throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600).build())) {
            TableRun r = TableRun.of("cli_interrupt", 6_000, "ctrl-c", emulator);
            Map<String, String> env = r.env();
            String[] args = r.args();
            Path state = r.state();
            // SIGINT as a terminal's Ctrl-C delivers it, whatever disposition this test's JVM inherited
            Process first = startAndAwait(List.of("env", "--default-signal=INT"), emulator, 1_500, env, args);
            new ProcessBuilder("kill", "-INT", Long.toString(first.pid())).start().waitFor();
            String out = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
            assertThat(first.exitValue()).as(out).isEqualTo(130);
            assertThat(out).contains("Interrupted: stopping at batch boundaries").contains("The run is PAUSED at its checkpoints")
                    .contains("`backfill resume ctrl-c --state-dir " + state + " --jdbc-url " + RealParts.postgres().jdbcUrl());
            long sent = emulator.stats().documentsReceived();
            await("nothing is sent after the interrupt").during(java.time.Duration.ofSeconds(1)).atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> emulator.stats().documentsReceived() == sent);
            Result status = run(env, "status", "ctrl-c", "--state-dir", state.toString());
            assertThat(status.output()).contains("PAUSED");
            Result again = run(env, args);
            assertThat(again.exit()).as(again.output()).isZero();
            assertThat(again.output()).contains("COMPLETED");
            assertThat(emulator.documents()).hasSize(r.loaded().validRows());
        }
    }

    /**
     * Ctrl-C while every worker waits out a Retry-After (a Synap asking for a billion seconds: the wait is the retry budget,
     * two minutes) stops the run at once: the waits are woken, the run is PAUSED, the process exits.
     */
    @Test
    void ctrlCEndsAWaitForSynapAtOnce() throws Exception {
        EmulatorSettings settings = EmulatorSettings.builder().rateLimitPerMinute(0)
                .lies(new EmulatorSettings.Lies(null, java.util.Set.of(EmulatorSettings.Lie.HUGE_RETRY_AFTER), 2)).build();
        try (SynapEmulator emulator = SynapEmulator.start(settings)) {
            TableRun r = TableRun.of("cli_interrupt_wait", 3_000, "ctrl-c-wait", emulator);
            Process p = start(List.of("env", "--default-signal=INT"), r.env(), r.args());
            await("Synap asked the fleet to wait").atMost(java.time.Duration.ofMinutes(2))
                    .until(() -> emulator.stats().rateLimited() >= 1 || !p.isAlive());
            assertThat(p.isAlive()).isTrue();
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            // the fleet's pause is 120 s from the 429: before the waits could be woken, the process outlived it by far; the
            // bound leaves a loaded machine room to stop a JVM
            assertThat(p.waitFor(100, TimeUnit.SECONDS)).as("ended before the 120 s wait").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isEqualTo(130);
            assertThat(out).contains("The run is PAUSED at its checkpoints");
        }
    }

    /**
     * A run started with SIGINT ignored (as POSIX starts a script's background job) says so on its first lines and names
     * the signal that still pauses it; kill -INT does nothing to it, SIGTERM pauses it at batch boundaries.
     */
    @Test
    void aRunStartedWithSigintIgnoredSaysSoAndPausesOnSigterm() throws Exception {
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(600).build())) {
            TableRun r = TableRun.of("cli_sigterm", 6_000, "sigterm", emulator);
            Map<String, String> env = r.env();
            String[] args = r.args();
            Process p = startAndAwait(List.of("env", "--ignore-signal=INT"), emulator, 1_000, env, args);
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            long before = emulator.stats().documentsReceived();
            await("the run goes on after kill -INT").atMost(java.time.Duration.ofMinutes(1))
                    .until(() -> emulator.stats().documentsReceived() > before + 200 || !p.isAlive());
            assertThat(p.isAlive()).as("an ignored SIGINT does not stop it").isTrue();
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isEqualTo(130);
            assertThat(out).contains("started with SIGINT ignored").contains("kill -TERM " + p.pid()).contains("The run is PAUSED");
            assertThat(out.indexOf("SIGINT ignored")).as("on its first lines").isLessThan(out.indexOf("progress:"));
            Result again = run(env, args);
            assertThat(again.exit()).as(again.output()).isZero();
            assertThat(emulator.documents()).hasSize(r.loaded().validRows());
        }
    }

    /**
     * A synthetic table of {@code rows} turns (2 bad rows of each kind), and the arguments of its run on {@code emulator} at
     * 600 calls a minute in a state directory of its own ({@code runId} null: no --run-id): what the interrupted and
     * continued runs start from.
     */
    private record TableRun(SyntheticHistory.Loaded loaded, Path state, Map<String, String> env, String[] args) {
        static TableRun of(String table, int rows, String runId, SynapEmulator emulator) throws IOException {
            RealParts.Postgres pg = RealParts.postgres();
            SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), table,
                    SyntheticHistory.Options.of(rows).withBadRowsPerKind(2));
            Path state = Files.createTempDirectory("backfill-" + table);
            Map<String, String> env = Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password());
            List<String> args = new ArrayList<>(List.of("run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", table,
                    "--synap-url", emulator.baseUrl(), "--rate-limit", "600", "--shard-rows", "1000"));
            if (runId != null) args.addAll(List.of("--run-id", runId));
            args.addAll(List.of("--state-dir", state.toString()));
            return new TableRun(loaded, state, env, args.toArray(String[]::new));
        }
    }
}
