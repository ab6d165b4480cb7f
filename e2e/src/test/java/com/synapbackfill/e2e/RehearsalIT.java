package com.synapbackfill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * docs/deploy.md's "Rehearse on LocalStack", run as a user pastes it: the page's command block, read from the page (so the
 * page and this test cannot drift), run by bash in the repository with only the user's values given (a database of 3,000
 * turns, a port for the emulator) and the places this test keeps things apart from other runs on the machine (LocalStack's
 * directory and port). It starts its own LocalStack with scripts/rehearse, creates the two secrets, runs {@code sam build}
 * and {@code sam deploy} with only the parameters a deploy must be given (and the emulator's URL), starts the run with
 * {@code backfill start --watch}, writes the report, lists it in the bucket, deletes the stack and stops LocalStack.
 *
 * <p>What it proves: the documented commands work as written; a stack with every other parameter at its default deploys
 * (its state machine's substitutions included) and completes a run through its state machine; the state machine's first
 * planner invocation and the CLI's, made at once on the fresh stack, both succeed.
 */
class RehearsalIT {
    static final int ROWS = 3_000;
    static final String HEADING = "## Rehearse on LocalStack";

    @Test
    void theDocumentedRehearsalEndsWithACompletedRunItsReportInTheBucketAndTheExecutionSucceeded() throws Exception {
        Assumptions.assumeTrue(LocalStackHost.hostMode(), "the rehearsal starts LocalStack in host mode itself");
        String block = commands(Tools.repo().resolve("docs/deploy.md"));
        assertThat(deployParameters(block)).as("the deploy overrides only what it must: the parameters without a default, and "
                + "Synap's URL (the emulator)").isEqualTo(withSynapUrl(requiredParameters()));

        RealParts.Postgres pg = RealParts.postgres();
        SyntheticHistory.Loaded loaded = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "rehearsal_turns",
                SyntheticHistory.Options.of(ROWS).withBadRowsPerKind(5));
        Path dir = Tools.target().resolve("rehearsal");
        Files.createDirectories(dir);
        Path script = dir.resolve("rehearsal.sh");
        // a failed line ends the script, and what it left running in the background goes with it
        Files.writeString(script, "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + block);

        Map<String, String> env = new LinkedHashMap<>();
        // the user's values (the page's first block)
        env.put("DB_URL", pg.jdbcUrl());
        env.put("DB_USER", pg.user());
        env.put("DB_PASSWORD", pg.password());
        env.put("DB_TABLE", "rehearsal_turns");
        env.put("SYNAP_PORT", Integer.toString(Tools.freePort()));
        // apart from any other LocalStack on the machine, stopped with this JVM whatever happens
        env.put("REHEARSE_DIR", dir.resolve("state").toString());
        env.put("REHEARSE_PORT", Integer.toString(Tools.freePort()));
        env.put("REHEARSE_OWNER_PID", Long.toString(ProcessHandle.current().pid()));
        env.put("SYNAP_RIC_CLASSPATH", Tools.ricClasspath().toString());
        // sam build's Maven (the Makefile) and the backfill launcher's use this build's repository
        env.put("MAVEN_OPTS", "-Dmaven.repo.local=" + System.getProperty("e2e.mavenRepo", System.getProperty("user.home") + "/.m2/repository"));
        // nothing leaves this machine: a tool that would call out (SAM's version check) meets a closed port
        env.put("HTTPS_PROXY", "http://127.0.0.1:9");
        env.put("HTTP_PROXY", "http://127.0.0.1:9");
        env.put("NO_PROXY", "127.0.0.1,localhost");

        long t0 = System.nanoTime();
        List<String> cmd = List.of("bash", script.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Tools.repo().toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("rehearsal.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SYNAP_") || k.startsWith("LOCALSTACK_")
                || k.startsWith("BACKFILL_") || k.endsWith("_ENDPOINT") || k.startsWith("REHEARSE_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean ended = p.waitFor(25, java.util.concurrent.TimeUnit.MINUTES);
        if (!ended) p.destroyForcibly();
        long seconds = (System.nanoTime() - t0) / 1_000_000_000;
        String out = Files.readString(dir.resolve("rehearsal.log"));
        System.out.printf("rehearsal: the page's %d lines ran in %d s (log %s)%n", block.lines().count(), seconds, dir.resolve("rehearsal.log"));
        assertThat(ended).as("the rehearsal ended within 25 minutes:\n" + tail(out)).isTrue();
        assertThat(p.exitValue()).as("the rehearsal's exit:\n" + tail(out)).isZero();

        // the run completed, the execution (the last one, if it continued) SUCCEEDED with the report, which is in the bucket
        assertThat(out).contains("Run rehearsal-1: COMPLETED")
                .contains(String.format("rows %,d of ~%,d: accepted %,d, already present 0, failed %,d", ROWS, ROWS, loaded.validRows(), loaded.badRows()))
                .contains("run completed; execution writing the report…");
        Matcher done = Pattern.compile("Execution (arn:\\S+): SUCCEEDED; report (s3://\\S+/runs/rehearsal-1/report\\.json)").matcher(out);
        assertThat(done.find()).as("the execution's end, as start --watch printed it:\n" + tail(out)).isTrue();
        assertThat(out).contains("invariant (rows read = accepted + already present + failed + skipped) holds");
        assertThat(out).containsPattern("\\d+ report\\.json").containsPattern("\\d+ failures\\.jsonl").containsPattern("\\d+ report\\.html");
        // the state machine's start step and the CLI's first status call reached the fresh planner together: two cold
        // environments side by side, both answered (the run was planned and the CLI followed it)
        List<Path> planners;
        try (var logs = Files.list(dir.resolve("state/lambda-logs"))) {
            planners = logs.filter(f -> f.getFileName().toString().startsWith("synap-backfill-PlannerFunction-")).toList();
        }
        assertThat(planners).as("planner environments").hasSizeGreaterThanOrEqualTo(2);
        for (Path log : planners) assertThat(Files.readString(log)).as(log.toString()).doesNotContain("SIGBUS").doesNotContain("fatal error");
        System.out.printf("rehearsal: %s SUCCEEDED, %,d rows (%,d accepted, %,d failed), report %s, %d planner environments%n",
                done.group(1), ROWS, loaded.validRows(), loaded.badRows(), done.group(2), planners.size());
    }

    /** The page's block of commands: the first bash block under the heading that starts LocalStack. */
    static String commands(Path page) throws IOException {
        String text = Files.readString(page);
        int at = text.indexOf("\n" + HEADING + "\n");
        assertThat(at).as(page + " has a section " + HEADING).isNotNegative();
        Matcher m = Pattern.compile("(?s)```bash\n(.*?)```").matcher(text);
        int from = at;
        while (m.find(from)) {
            if (m.group(1).contains("scripts/rehearse start")) return m.group(1);
            from = m.end();
        }
        throw new AssertionError(page + ": no bash block with scripts/rehearse start under " + HEADING);
    }

    /** The parameters the block's sam deploy gives (--parameter-overrides KEY=VALUE ...). */
    static TreeSet<String> deployParameters(String block) {
        String deploy = block.replace("\\\n", " ");
        Matcher line = Pattern.compile("(?m)^sam deploy .*$").matcher(deploy);
        assertThat(line.find()).as("a sam deploy line").isTrue();
        String overrides = line.group().substring(line.group().indexOf("--parameter-overrides"));
        TreeSet<String> keys = new TreeSet<>();
        Matcher k = Pattern.compile("[\\s\"]([A-Z][A-Za-z]+)=").matcher(overrides);
        while (k.find()) keys.add(k.group(1));
        return keys;
    }

    /** template.yaml's parameters without a default: what a deploy must be given. */
    static TreeSet<String> requiredParameters() throws IOException {
        JsonNode params = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Tools.repo().resolve("template.yaml"))).path("Parameters");
        TreeSet<String> required = new TreeSet<>();
        params.fieldNames().forEachRemaining(n -> {
            if (!params.get(n).has("Default")) required.add(n);
        });
        assertThat(required).contains("SynapApiKeySecretArn", "SourceJdbcUrl", "SourceDbSecretArn");
        return required;
    }

    static TreeSet<String> withSynapUrl(TreeSet<String> required) {
        TreeSet<String> s = new TreeSet<>(required);
        s.add("SynapBaseUrl");
        return s;
    }

    static String tail(String s) {
        List<String> lines = new ArrayList<>(s.lines().toList());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 120), lines.size()));
    }
}
