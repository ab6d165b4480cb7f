package com.synapbackfill.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the CLI keeps beside a local run's ledger, in {@code STATE_DIR/runs/RUN/} (nothing secret):
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
        String dir = c.pick(o.stateDir, "stateDir", "BACKFILL_STATE_DIR");
        return Path.of(dir == null ? ".backfill" : dir).resolve("runs");
    }

    static Path file(CliConfig c, StackOptions o, String runId) {
        return runs(c, o).resolve(runId).resolve("synap-base-url");
    }

    /** Records a run's source contract (once, when it is started here). */
    static void source(CliConfig c, StackOptions o, String runId, com.synapbackfill.source.SourceConfig source) {
        Path f = runs(c, o).resolve(runId).resolve("source.json");
        try {
            Files.createDirectories(f.getParent());
            if (!Files.exists(f)) Files.write(f, com.synapbackfill.json.Json.writeBytes(source));
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the run's source in " + f, e);
        }
    }

    /** Marks a run completed. */
    static void completed(CliConfig c, StackOptions o, String runId) {
        try {
            Path f = runs(c, o).resolve(runId).resolve("completed");
            Files.createDirectories(f.getParent());
            Files.writeString(f, java.time.Instant.now().toString() + "\n");
        } catch (IOException e) {
            // only a convenience for the next run without --run-id: never fail a completed run for it
        }
    }

    /** The newest run recorded here with exactly this source contract that has not completed. */
    static Optional<String> unfinished(CliConfig c, StackOptions o, com.synapbackfill.source.SourceConfig source) {
        Path runs = runs(c, o);
        if (!Files.isDirectory(runs)) return Optional.empty();
        try (var dirs = Files.list(runs)) {
            com.fasterxml.jackson.databind.JsonNode want = com.synapbackfill.json.Json.MAPPER.valueToTree(source);
            return dirs.filter(d -> Files.isRegularFile(d.resolve("source.json")) && !Files.exists(d.resolve("completed")))
                    .filter(d -> {
                        try {
                            return com.synapbackfill.json.Json.MAPPER.readTree(d.resolve("source.json").toFile()).equals(want);
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .max(java.util.Comparator.comparing(d -> d.resolve("source.json").toFile().lastModified()))
                    .map(d -> d.getFileName().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether a run with this id was started from this state directory. */
    static boolean exists(CliConfig c, StackOptions o, String runId) {
        return Files.isRegularFile(file(c, o, runId));
    }

    static Optional<String> read(CliConfig c, StackOptions o, String runId) {
        Path f = file(c, o, runId);
        try {
            return Files.isRegularFile(f) ? Optional.of(Files.readString(f).trim()).filter(s -> !s.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static void write(CliConfig c, StackOptions o, String runId, String url) {
        Path f = file(c, o, runId);
        try {
            Files.createDirectories(f.getParent());
            Files.writeString(f, url + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the Synap URL in " + f, e);
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
