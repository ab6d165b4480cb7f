package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.BuildInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upgrade keeps runs: the previous release's CLI (0.1.0, built from its commit by scripts/previous-release) starts a
 * run that stops at its credit cap; this checkout's CLI reads its ledger (status), resumes it and reports it. Every
 * valid row reaches Synap exactly once, each paid once, and the report names both releases.
 */
class UpgradeIT {
    static final String PREVIOUS = "0.1.0";
    static RealParts.Postgres pg;
    static SyntheticHistory.Loaded history;
    static Path previousJar;

    @BeforeAll
    static void setUp() throws Exception {
        pg = RealParts.postgres();
        history = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "upgrade_turns",
                SyntheticHistory.Options.of(3_000).withBadRowsPerKind(2).withSeed(47));
        previousJar = previousRelease();
    }

    /** The previous release's jar, built once into the user's cache by scripts/previous-release. */
    static Path previousRelease() throws Exception {
        Path script = Path.of("..", "scripts", "previous-release").toAbsolutePath().normalize();
        Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("scripts/previous-release ended").isTrue();
        assertThat(p.exitValue()).as("scripts/previous-release: " + out).isZero();
        Path jar = Path.of(out);
        assertThat(jar).isRegularFile();
        return jar;
    }

    static CliIT.Result previous(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                previousJar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("SYNAP_API_KEY");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return new CliIT.Result(p.exitValue(), out);
    }

    @Test
    void aRunStartedByThePreviousReleaseIsReadResumedAndReportedExactlyOnce() throws Exception {
        Path state = Files.createTempDirectory("upgrade");
        Map<String, String> env = Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password(),
                "LOG_LEVEL", "WARN");
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0)
                .credits(new EmulatorSettings.Credits(1_000_000, 1, true)).build())) {
            CliIT.Result version = previous(env, "--version");
            assertThat(version.output()).contains("synap-backfill " + PREVIOUS);

            CliIT.Result started = previous(env, "run", "--table", "upgrade_turns", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(),
                    "--synap-url", emulator.baseUrl(), "--state-dir", state.toString(), "--rate-limit", "60000",
                    "--run-id", "upgrade", "--max-credits", "1000");
            assertThat(started.exit()).as(started.output()).isEqualTo(BackfillCommand.BLOCKED);
            int before = emulator.documents().size();
            assertThat(before).as("documents the previous release sent under its cap").isBetween(1, 1_000);

            CliIT.Result status = CliIT.run(env, "status", "upgrade", "--state-dir", state.toString());
            assertThat(status.exit()).as(status.output()).isIn(0, BackfillCommand.BLOCKED);
            assertThat(status.output()).contains("BLOCKED").contains("credit cap");

            CliIT.Result resumed = CliIT.run(env, "resume", "upgrade", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(),
                    "--synap-url", emulator.baseUrl(), "--state-dir", state.toString(), "--max-credits", "40000");
            assertThat(resumed.exit()).as(resumed.output()).isZero();

            List<StoredDocument> docs = List.copyOf(emulator.documents());
            assertThat(docs).as("every valid row once").hasSize(history.validRows());
            assertThat(docs.stream().map(StoredDocument::documentId).distinct().count()).isEqualTo(history.validRows());
            assertThat(emulator.creditsSpent()).as("each document paid once").isEqualTo((double) history.validRows());
            assertThat(emulator.stats().duplicates()).as("nothing the previous release sent was sent again").isZero();

            JsonNode report = Json.MAPPER.readTree(Files.readAllBytes(state.resolve("reports/runs/upgrade/report.json")));
            assertThat(report.path("status").asText()).isEqualTo("COMPLETED");
            assertThat(report.path("invariant").path("holds").asBoolean()).as(report.toString()).isTrue();
            assertThat(report.path("counts").path("rowsRead").asLong()).isEqualTo(history.rows());
            assertThat(report.path("counts").path("failed").asLong() + report.path("counts").path("skipped").asLong())
                    .isEqualTo(history.rows() - history.validRows());
            assertThat(report.path("synapBackfill").path("version").asText()).isEqualTo(BuildInfo.version());
            // the previous release wrote no 'by' on the run item: the report says it does not know, rather than guess
            assertThat(report.path("synapBackfill").path("runStartedBy").asText()).isEqualTo("unknown");
        }
    }
}
