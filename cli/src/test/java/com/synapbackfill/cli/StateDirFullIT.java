package com.synapbackfill.cli;

import static com.synapbackfill.cli.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.embedded.SyntheticHistory;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.StoredDocument;
import com.synapbackfill.emulator.SynapEmulator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A state directory on a real filesystem that fills up: a small tmpfs mounted for the test (root only; skipped elsewhere,
 * where StateSpaceTest covers the same decisions through the free-space seam). DynamoDB Local answers a write it cannot
 * make with a 500 and the run used to stay RUNNING at 0 rows, DynamoDB Local's stack traces in its output, a Ctrl-C unable to
 * record PAUSED and {@code ledger-endpoint} left behind. Now: the run stops with "no space left under DIR: N MB free;
 * nothing lost, free space and run the same command" (exit 6), the endpoint file is gone, and once there is room the same
 * command completes the run with every row stored once.
 */
class StateDirFullIT {
    static RealParts.Postgres pg;
    static SyntheticHistory.Loaded table;

    @BeforeAll
    static void load() throws Exception {
        pg = RealParts.postgres();
        table = SyntheticHistory.load(pg.jdbcUrl(), pg.user(), pg.password(), "full_disk_turns",
                SyntheticHistory.Options.of(20_000).withBadRowsPerKind(0).withSeed(8));
    }

    /** A tmpfs of {@code mb} MB on a new directory; the test is skipped where one cannot be mounted. */
    static Path tmpfs(int mb) throws Exception {
        Path dir = Files.createTempDirectory("state-tmpfs");
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + mb + "m,mode=0700", "tmpfs", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "a tmpfs cannot be mounted here (root only): " + out.trim());
        return dir;
    }

    static void unmount(Path dir) throws Exception {
        new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }

    /** Takes every byte left on {@code dir}'s filesystem with one file. */
    static Path fill(Path dir) {
        Path filler = dir.resolve("filler");
        for (int chunk : new int[] {1 << 20, 4096, 512}) {
            try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                byte[] b = new byte[chunk];
                while (true) out.write(b);
            } catch (IOException full) {
                // this chunk size no longer fits: try a smaller one
            }
        }
        return filler;
    }

    static String[] run(SynapEmulator emulator, Path state, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--jdbc-url", pg.jdbcUrl(), "--db-user", pg.user(), "--table", "full_disk_turns",
                "--synap-url", emulator.baseUrl(), "--run-id", "full-disk", "--state-dir", state.toString(), "--concurrency", "2"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** The CLI as it ships: its own logging configuration (the tests' log4j2-test.xml would otherwise win on this classpath). */
    static Map<String, String> env() throws Exception {
        return Map.of("SYNAP_API_KEY", EmulatorSettings.DEFAULT_API_KEY, "SOURCE_DB_PASSWORD", pg.password(),
                "LOG4J_CONFIGURATION_FILE", Path.of(BackfillCommand.class.getResource("/log4j2.xml").toURI()).toString());
    }

    /** A process's output as it comes (the test reads it while the process runs). */
    static StringBuilder collect(Process p) {
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) synchronized (out) { out.append(new String(buf, 0, n, StandardCharsets.UTF_8)); }
            } catch (IOException ended) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return out;
    }

    static String text(StringBuilder out) {
        synchronized (out) {
            return out.toString();
        }
    }

    /** The stop as the operator reads it: one line, the directory and the free space, no stack trace, no endpoint file left. */
    static void assertStoppedForSpace(Process p, StringBuilder out, Path state) throws Exception {
        boolean ended = p.waitFor(2, TimeUnit.MINUTES);
        if (!ended) p.destroyForcibly().waitFor(); // a run that hangs on the full disk: not left behind the test
        assertThat(ended).as("the run ends once the disk is full: " + text(out)).isTrue();
        Thread.sleep(200); // the last output
        String o = text(out);
        System.err.println("--- the stopped run's output ---\n" + o + "--- exit " + p.exitValue());
        assertThat(p.exitValue()).as(o).isEqualTo(BackfillCommand.NO_SPACE);
        assertThat(o).containsPattern("no space left under " + java.util.regex.Pattern.quote(state.toAbsolutePath().toString())
                + ": [0-9,]+ MB free; nothing lost, free space and run the same command");
        assertThat(o).as("DynamoDB Local's and SQLite's own traces stay out of the output")
                .doesNotContain("\tat ").doesNotContain("SQLiteException").doesNotContain("LocalDBAccessException").doesNotContain("Exception");
        assertThat(state.resolve("ledger-endpoint")).as("no endpoint left for readers to trip on").doesNotExist();
    }

    /** Once there is room, the same command completes the run: every row stored once. */
    static void assertSameCommandCompletes(SynapEmulator emulator, Path state, Path filler) throws Exception {
        Files.delete(filler);
        CliIT.Result again = CliIT.run(env(), run(emulator, state, "--rate-limit", "60000"));
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("COMPLETED");
        List<StoredDocument> docs = List.copyOf(emulator.documents());
        assertThat(docs).as("every row once").hasSize(table.validRows());
        assertThat(docs.stream().map(StoredDocument::documentId).collect(Collectors.toSet())).hasSize(table.validRows());
    }

    @Test
    void aDiskThatFillsMidRunStopsItSayingSoAndTheSameCommandCompletesItOnceThereIsRoom() throws Exception {
        Path state = tmpfs(48);
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            Process p = CliIT.start(env(), run(emulator, state, "--rate-limit", "300"));
            StringBuilder out = collect(p);
            await("some rows sent").atMost(Duration.ofMinutes(2)).until(() -> emulator.stats().accepted() >= 2_000 || !p.isAlive());
            assertThat(p.isAlive()).as(text(out)).isTrue();
            Path filler = fill(state);
            long t0 = System.nanoTime();
            assertStoppedForSpace(p, out, state);
            System.err.printf("full disk: the run stopped %d ms after the disk filled, %,d documents stored%n",
                    (System.nanoTime() - t0) / 1_000_000, emulator.documents().size());
            assertSameCommandCompletes(emulator, state, filler);
        } finally {
            unmount(state);
        }
    }

    @Test
    void oneInterruptOnAFullDiskEndsTheRunWithoutThePausedMarkAndLeavesNoEndpoint() throws Exception {
        Path state = tmpfs(48);
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            Process p = CliIT.start(List.of("env", "--default-signal=INT"), env(), run(emulator, state, "--rate-limit", "300"));
            StringBuilder out = collect(p);
            await("some rows sent").atMost(Duration.ofMinutes(2)).until(() -> emulator.stats().accepted() >= 2_000 || !p.isAlive());
            assertThat(p.isAlive()).as(text(out)).isTrue();
            Path filler = fill(state);
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
            assertStoppedForSpace(p, out, state);
            assertThat(text(out)).contains("Interrupted: stopping at batch boundaries");
            assertSameCommandCompletes(emulator, state, filler);
        } finally {
            unmount(state);
        }
    }

    @Test
    void aStateDirectoryTooSmallForTheRunIsRefusedBeforeAnythingIsSent() throws Exception {
        Path state = tmpfs(6);
        try (SynapEmulator emulator = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            CliIT.Result r = CliIT.run(env(), run(emulator, state));
            assertThat(r.exit()).as(r.output()).isEqualTo(BackfillCommand.NO_SPACE);
            assertThat(r.output()).containsPattern("not enough space under " + java.util.regex.Pattern.quote(state.toAbsolutePath().toString())
                    + ": [0-9,]+ MB free, and this run writes about 10 MB there \\(its ledger, receipts and failures for ~20,000 rows\\); "
                    + "nothing was sent");
            assertThat(emulator.stats().batchCalls()).as("nothing sent").isZero();
            assertThat(state.resolve("ledger-endpoint")).doesNotExist();
        } finally {
            unmount(state);
        }
    }
}
