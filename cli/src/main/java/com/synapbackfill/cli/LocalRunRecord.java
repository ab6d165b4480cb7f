package com.synapbackfill.cli;

import com.synapbackfill.files.PrivateFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the CLI keeps beside a local run's ledger, in {@code STATE_DIR/runs/RUN/} (nothing secret; private files all the
 * same, as the whole state directory: {@link PrivateFiles}):
 * <ul>
 *   <li>{@code synap-base-url}: the Synap it was started against. {@code resume} and {@code retry-failures} use it
 *       unless the user names another, so a run started against staging never continues into production by
 *       default; each says which one it uses.</li>
 *   <li>{@code source.json} and {@code completed}: the run's source contract, and a marker once it completed. A
 *       {@code run} without {@code --run-id} whose source is that of an unfinished run in the same state directory
 *       continues that run instead of starting a second one.</li>
 * </ul>
 */
final class LocalRunRecord {
    private LocalRunRecord() {
    }

    static Path runs(CliConfig c, StackOptions o) {
        return files(c, o).root().resolve(StateDir.RUNS);
    }

    /** The state directory, whose files are private: checked before anything here is read or written (see {@link StateDir}). */
    private static PrivateFiles files(CliConfig c, StackOptions o) {
        String dir = c.pick(o.stateDir, "stateDir", "BACKFILL_STATE_DIR");
        return new PrivateFiles(Path.of(dir == null ? ".backfill" : dir));
    }

    static Path file(CliConfig c, StackOptions o, String runId) {
        return runs(c, o).resolve(runId).resolve("synap-base-url");
    }

    /** Records a run's source contract (once, when it is started here). */
    static void source(CliConfig c, StackOptions o, String runId, com.synapbackfill.source.SourceConfig source) {
        PrivateFiles files = files(c, o);
        Path f = runs(c, o).resolve(runId).resolve("source.json");
        try {
            if (!files.exists(f)) files.write(f, com.synapbackfill.json.Json.writeBytes(source));
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("could not record the run's source in " + f, e.getCause());
        }
    }

    /** Marks a run completed. */
    static void completed(CliConfig c, StackOptions o, String runId) {
        try {
            Path f = runs(c, o).resolve(runId).resolve("completed");
            files(c, o).write(f, (java.time.Instant.now().toString() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            // only a convenience for the next run without --run-id: never fail a completed run for it
        }
    }

    /** The newest run recorded here with exactly this source contract that has not completed. */
    static Optional<String> unfinished(CliConfig c, StackOptions o, com.synapbackfill.source.SourceConfig source) {
        PrivateFiles files = files(c, o);
        Path runs = runs(c, o);
        if (!files.exists(runs)) return Optional.empty();
        files.checkEntries(runs);
        try (var dirs = Files.list(runs)) {
            com.fasterxml.jackson.databind.JsonNode want = com.synapbackfill.json.Json.MAPPER.valueToTree(source);
            return dirs.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && !files.exists(d.resolve("completed")))
                    .filter(d -> files.read(d.resolve("source.json")).map(json -> {
                        try {
                            return com.synapbackfill.json.Json.MAPPER.readTree(json).equals(want);
                        } catch (IOException e) {
                            return false;
                        }
                    }).orElse(false))
                    .max(java.util.Comparator.comparing(d -> d.resolve("source.json").toFile().lastModified()))
                    .map(d -> d.getFileName().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether a run with this id was started from this state directory. */
    static boolean exists(CliConfig c, StackOptions o, String runId) {
        return files(c, o).exists(file(c, o, runId));
    }

    static Optional<String> read(CliConfig c, StackOptions o, String runId) {
        return files(c, o).read(file(c, o, runId)).map(b -> new String(b, StandardCharsets.UTF_8).trim()).filter(s -> !s.isEmpty());
    }

    static void write(CliConfig c, StackOptions o, String runId, String url) {
        Path f = file(c, o, runId);
        try {
            files(c, o).write(f, (url + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("could not record the Synap URL in " + f, e.getCause());
        }
    }

    /**
     * Puts the URL this command uses into {@code env} (the user's when given, else the run's recorded one, else
     * the default already there) and prints which one it is; with {@code onlyIfRecorded}, a run with no record
     * (a new one) is left alone and nothing is printed.
     */
    static void apply(CliConfig c, SourceOptions source, StackOptions o, String runId, Map<String, String> env, PrintStream out,
                      boolean onlyIfRecorded) {
        Optional<String> recorded = read(c, o, runId);
        if (onlyIfRecorded && recorded.isEmpty()) return;
        boolean given = c.pick(source.synapUrl, "synapUrl", "SYNAP_BASE_URL") != null;
        if (!given && recorded.isPresent()) {
            env.put("SYNAP_BASE_URL", recorded.get());
            out.println("Synap: " + recorded.get() + " (recorded with run " + runId + "; --synap-url overrides)");
        } else if (given && recorded.isPresent() && !recorded.get().equals(env.get("SYNAP_BASE_URL"))) {
            out.println("Synap: " + env.get("SYNAP_BASE_URL") + " (--synap-url; the run was started against " + recorded.get() + ")");
        } else {
            out.println("Synap: " + env.get("SYNAP_BASE_URL"));
        }
    }
}
