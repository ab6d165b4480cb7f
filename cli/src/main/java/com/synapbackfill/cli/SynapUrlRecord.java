package com.synapbackfill.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The Synap base URL a local run was started against, kept beside its ledger ({@code STATE_DIR/runs/RUN/synap-base-url};
 * a URL is no secret). {@code resume} and {@code retry-failures} use it unless the user names another, so a run
 * started against staging never continues into production by default; each says which one it uses.
 */
final class SynapUrlRecord {
    private SynapUrlRecord() {
    }

    static Path file(CliConfig c, StackOptions o, String runId) {
        String dir = c.pick(o.stateDir, "stateDir", "BACKFILL_STATE_DIR");
        return Path.of(dir == null ? ".backfill" : dir).resolve("runs").resolve(runId).resolve("synap-base-url");
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
     * the default already there) and prints which one it is.
     */
    static void apply(CliConfig c, SourceOptions source, StackOptions o, String runId, Map<String, String> env, PrintStream out) {
        Optional<String> recorded = read(c, o, runId);
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
