package com.synapbackfill.cli;

import com.synapbackfill.config.Settings;
import com.synapbackfill.model.RunState;
import com.synapbackfill.report.ReportStore;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.synap.SynapClientConfig;
import com.synapbackfill.worker.ExtractionVerifier;
import com.synapbackfill.worker.WorkerComponents;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code backfill verify RUN}: asks Synap whether a sample of the run's accepted documents became memories (see
 * {@link ExtractionVerifier}). Status calls count against the Instance's rate limit: they go through the run's
 * limiter, shared with any running workers.
 */
@Command(name = "verify", description = "Ask Synap whether a random sample of a run's accepted documents became memories.",
        footer = {"", "A run ends when Synap has queued every document; extraction runs afterwards, for minutes to hours.",
                "verify draws a uniform sample of the run's ingestion receipts, asks Synap's status endpoint about each",
                "(under the run's rate limit) and estimates the share of failed extractions for the whole run (95 %% interval).",
                "", "Exit codes: 0 every sampled document completed, 5 some failed, partly failed or are unknown to Synap,",
                "3 some are still queued or processing (at the --timeout with --wait).",
                "", "Examples:",
                "  backfill verify backfill-nov --wait",
                "  backfill verify backfill-nov --sample 1000 --wait --timeout 2h --stack synap-backfill",
                "  backfill verify backfill-nov --all"})
final class VerifyCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Option(names = "--sample", description = "documents to check (default 400: a failed share within about ±1.5 points)") Integer sample;
    @Option(names = "--all", description = "check every accepted document (small runs)") boolean all;
    @Option(names = "--wait", description = "poll until every sampled document is terminal (completed, partial_success, failed)") boolean wait;
    @Option(names = "--timeout", description = "how long --wait polls: 90s, 30m, 2h (default 30m)") String timeout;
    @Option(names = "--seed", description = "the sample's random seed (the same seed draws the same documents)") Long seed;
    @Option(names = "--synap-url", description = "Synap base URL (default: the one recorded with the run, else SYNAP_BASE_URL, else production)") String synapUrl;

    @Override
    public Integer call() throws Exception {
        CliConfig c = config();
        String id = runId(runId);
        ExtractionVerifier.Options d = ExtractionVerifier.Options.defaults();
        ExtractionVerifier.Options o = new ExtractionVerifier.Options(sample == null ? d.sample() : sample, all, wait,
                timeout == null ? d.timeout() : duration(timeout, "--timeout"), d.pollEvery(), seed == null ? d.seed() : seed, d.threads());
        // locally the key can only come from the environment: said before anything is opened
        if (!stack.deployed(c) && c.env("SYNAP_API_KEY") == null)
            throw new IllegalArgumentException("SYNAP_API_KEY: is required in the environment (status calls need the run's key)");
        try (Target target = Target.open(stack, c, Target.Access.READ, none())) {
            String[] url = synapUrl(c, id, target);
            requireResolvable(url[0], url[1], java.net.InetAddress::getAllByName);
            String key = apiKey(c, target);
            Map<String, String> env = new LinkedHashMap<>(target.env());
            env.put("SYNAP_BASE_URL", url[0]);
            env.put("SYNAP_API_KEY", key);
            RunState run = target.ledger().run(id).orElseThrow(() -> new IllegalArgumentException("RUN: no run \"" + id + "\" in the "
                    + target.describe()));
            Settings settings = Settings.fromEnvironment(env);
            ReportStore store = target.store();
            out.println("Synap: " + url[0] + " (" + url[1] + "); run " + id + " (" + run.status() + "), " + target.describe());
            var synap = WorkerComponents.synapFor(run, settings, WorkerComponents.synapConfig(settings, key), target.aws(), Clock.systemUTC());
            ExtractionVerifier verifier = new ExtractionVerifier(store, synap, Clock.systemUTC(), Sleeper.REAL);
            ExtractionVerifier.Result r = verifier.verify(id, run.counters().accepted(), o, line -> out.println("  " + line));
            print(r, store);
            return r.exitCode();
        }
    }

    /**
     * The URL and where it came from: the user's, else the stack's SynapBaseUrl (the URL its workers sent to), else the one
     * recorded with a local run, else SYNAP_BASE_URL, else production.
     */
    private String[] synapUrl(CliConfig c, String id, Target target) {
        String given = c.pick(synapUrl, "synapUrl", null);
        if (given != null) return new String[] {given, synapUrl != null ? "--synap-url" : "the config file's synapUrl"};
        String ofStack = target.stackParameters().get("SynapBaseUrl");
        if (ofStack != null) return new String[] {ofStack, "the stack's SynapBaseUrl"};
        if (target.local()) {
            var recorded = LocalRunRecord.read(c, stack, id);
            if (recorded.isPresent()) return new String[] {recorded.get(), "recorded with the run"};
        }
        String env = c.env("SYNAP_BASE_URL");
        return env != null ? new String[] {env, "SYNAP_BASE_URL"} : new String[] {SynapClientConfig.DEFAULT_BASE_URL, "the default"};
    }

    /** SYNAP_API_KEY, else the key in the stack's secret (SynapApiKeySecretArn), else an error saying which to set. */
    private String apiKey(CliConfig c, Target target) {
        String key = c.env("SYNAP_API_KEY");
        if (key != null) return key.trim();
        String secret = target.stackParameters().get("SynapApiKeySecretArn");
        if (secret == null)
            throw new IllegalArgumentException("SYNAP_API_KEY: is required in the environment (status calls need the run's key)");
        try {
            // as the functions read it: a plain string, or JSON with "apiKey"; never echoed
            String raw = target.aws().secrets().getSecretValue(r -> r.secretId(secret)).secretString();
            if (raw == null || raw.isBlank()) throw new IllegalArgumentException("the secret has no string value");
            String t = raw.trim();
            if (!t.startsWith("{")) return t;
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = com.synapbackfill.json.Json.MAPPER.readTree(t);
            } catch (java.io.IOException notJson) {
                throw new IllegalArgumentException("the secret is not valid JSON");
            }
            if (!n.hasNonNull("apiKey")) throw new IllegalArgumentException("the secret's JSON has no \"apiKey\"");
            return n.get("apiKey").asText();
        } catch (software.amazon.awssdk.core.exception.SdkException | IllegalArgumentException e) {
            throw new IllegalArgumentException("SYNAP_API_KEY: not set, and the stack's key secret (SynapApiKeySecretArn " + secret
                    + ") could not be read (" + e.getMessage() + "); set SYNAP_API_KEY, or allow secretsmanager:GetSecretValue on the secret");
        }
    }

    /** A host that does not resolve is a wrong URL, not a Synap that is down: said as the configuration it is (exit 2). */
    static void requireResolvable(String url, String from, HostLookup lookup) {
        String host;
        try {
            host = java.net.URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(from + ": not a URL: " + url);
        }
        if (host == null) throw new IllegalArgumentException(from + ": no host in " + url);
        try {
            lookup.resolve(host);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(from + ": the host " + host + " of " + url + " does not resolve (DNS): a configuration error, "
                    + "not an outage: check the URL" + (from.startsWith("the stack") ? ", or pass --synap-url" : ""));
        }
    }

    /** Name resolution, as the HTTP client does it ({@link java.net.InetAddress#getAllByName}). */
    @FunctionalInterface
    interface HostLookup {
        Object resolve(String host) throws java.net.UnknownHostException;
    }

    void print(ExtractionVerifier.Result r, ReportStore store) {
        out.printf("Verify of %s: %,d sampled of %,d accepted documents with receipts%s%n", r.runId(), r.sampled(), r.population(),
                r.population() < r.acceptedInLedger()
                        ? String.format(" (the ledger counts %,d accepted: %,d have no receipt)", r.acceptedInLedger(), r.acceptedInLedger() - r.population())
                        : "");
        StringBuilder by = new StringBuilder();
        r.byStatus().forEach((k, v) -> by.append(by.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format("%,d", v)));
        out.println("  status:   " + by + "; memories created " + String.format("%,d", r.memoriesCreated()));
        out.printf("  failed extractions: %.2f %% of the sample; for the whole run %.2f %% .. %.2f %% (95 %%)%s%n",
                100 * r.estimatedFailedShare(), 100 * r.ci95().low(), 100 * r.ci95().high(),
                r.estimatedPartialShare() > 0 ? String.format("; partial_success %.2f %%", 100 * r.estimatedPartialShare()) : "");
        var failed = r.failedItems();
        int shown = Math.min(20, failed.size());
        for (int i = 0; i < shown; i++) {
            var it = failed.get(i);
            out.printf("    %-16s document %s (source row %s): %s%n", it.status(), it.documentId(), it.sourceRowId(),
                    it.error() == null ? "" : it.error());
        }
        if (failed.size() > shown) out.printf("    ... and %,d more in verify.json%n", failed.size() - shown);
        if (r.pending() > 0)
            out.printf("  %,d still queued or processing%s; run verify again later (the same --seed %d checks the same documents)%n",
                    r.pending(), r.timedOut() ? " at the timeout" : "", r.seed());
        if (!failed.isEmpty())
            out.println("  to send the failed ones again: backfill retry-failures " + r.runId() + " --extraction" + stack.where());
        out.println("  verify.json: " + store.location(ExtractionVerifier.key(r.runId())));
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** {@code 90s}, {@code 30m}, {@code 2h}, {@code 500ms}. */
    static Duration duration(String v, String flag) {
        Matcher m = DURATION.matcher(v.trim());
        if (!m.matches()) throw new IllegalArgumentException(flag + ": must be a number with ms, s, m or h (e.g. 30m), was \"" + v + "\"");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
