package com.synapbackfill.emulator;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Every knob of the emulator. Each UNKNOWN of Synap's protocol (docs/synap-api.md) is a setting here,
 * with the documented default. Immutable; build with {@link #builder()}.
 *
 * @param port                TCP port on 127.0.0.1 (0 = any free port)
 * @param instances           API key → Instance it resolves to
 * @param maxDocumentsPerBatch over this, the whole call is answered 422 (documented: up to 100)
 * @param maxDocumentBytes     a document whose UTF-8 text is larger fails per item
 * @param rateLimitPerMinute   per-Instance requests (or documents) per minute; 0 = unlimited
 * @param rateLimitUnit        whether a batch call counts as one request or one per document
 * @param burst                token-bucket capacity of the limiter (Pro tier documents "burst 50" at 600 rpm)
 * @param duplicatePolicy      what a second document with a known document_id gets
 * @param latencyP50           median response latency (0 = none); log-normal with {@code latencyP95}
 * @param latencyP95           95th percentile response latency
 * @param faults               injected faults, as probabilities per batch call
 * @param seed                 makes latency and fault schedules reproducible
 * @param extraction           what long-range extraction makes of each accepted document, and when (the status endpoint)
 * @param poison               text that makes a batch fail with a 500 whenever one of its documents holds it (content Synap
 *                             cannot take), or null
 * @param credits              the client's credit wallet, or null: credits not modelled (the credit calls answer 404, as a
 *                             Synap without them)
 * @param lies                 ways the emulator misleads a client, for the tests that prove the client trusts nothing it
 *                             did not check ({@link Lies#NONE}: an honest Synap)
 */
public record EmulatorSettings(
        int port,
        Map<String, Instance> instances,
        int maxDocumentsPerBatch,
        int maxDocumentBytes,
        int rateLimitPerMinute,
        RateLimitUnit rateLimitUnit,
        int burst,
        DuplicatePolicy duplicatePolicy,
        Duration latencyP50,
        Duration latencyP95,
        Faults faults,
        long seed,
        Extraction extraction,
        String poison,
        Credits credits,
        Lies lies) {

    /** The key every test and the demo use unless they configure their own. */
    public static final String DEFAULT_API_KEY = "synap_emulator_key";

    public EmulatorSettings {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, was " + port);
        instances = Map.copyOf(Objects.requireNonNull(instances, "instances"));
        if (instances.isEmpty()) throw new IllegalArgumentException("instances: at least one API key is needed");
        if (maxDocumentsPerBatch < 1) throw new IllegalArgumentException("maxDocumentsPerBatch must be >= 1, was " + maxDocumentsPerBatch);
        if (maxDocumentBytes < 1) throw new IllegalArgumentException("maxDocumentBytes must be >= 1, was " + maxDocumentBytes);
        if (rateLimitPerMinute < 0) throw new IllegalArgumentException("rateLimitPerMinute must be >= 0, was " + rateLimitPerMinute);
        if (burst < 1) throw new IllegalArgumentException("burst must be >= 1, was " + burst);
        Objects.requireNonNull(rateLimitUnit, "rateLimitUnit");
        Objects.requireNonNull(duplicatePolicy, "duplicatePolicy");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(extraction, "extraction");
        Objects.requireNonNull(lies, "lies");
        if (latencyP50.isNegative() || latencyP95.compareTo(latencyP50) < 0)
            throw new IllegalArgumentException("latency: need 0 <= p50 <= p95, was p50=" + latencyP50 + " p95=" + latencyP95);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.port = port; b.instances = new LinkedHashMap<>(instances); b.maxDocumentsPerBatch = maxDocumentsPerBatch;
        b.maxDocumentBytes = maxDocumentBytes; b.rateLimitPerMinute = rateLimitPerMinute; b.rateLimitUnit = rateLimitUnit;
        b.burst = burst; b.burstSet = true; b.duplicatePolicy = duplicatePolicy; b.latencyP50 = latencyP50;
        b.latencyP95 = latencyP95; b.faults = faults; b.seed = seed; b.extraction = extraction; b.poison = poison;
        b.credits = credits; b.lies = lies;
        return b;
    }

    /**
     * One Synap Instance: its ids and its {@code user_context_isolation}: B2B ({@code strict}: user_id needs customer_id),
     * B2C ({@code equals_customer}: a customer_id is refused), or UNREPORTED (a server older than the field: whoami does not
     * say, and ids are taken as sent).
     */
    public record Instance(String clientId, String instanceId, Isolation isolation) {
        public Instance {
            if (clientId == null || !clientId.matches("cli_[0-9a-f]{16}")) throw new IllegalArgumentException("clientId must be cli_<16 hex>, was " + clientId);
            if (instanceId == null || !instanceId.matches("inst_[0-9a-f]{16}")) throw new IllegalArgumentException("instanceId must be inst_<16 hex>, was " + instanceId);
            Objects.requireNonNull(isolation, "isolation");
        }

        /** B2B, or an Instance that does not report its mode. */
        public Instance(String clientId, String instanceId, boolean b2b) {
            this(clientId, instanceId, b2b ? Isolation.B2B : Isolation.UNREPORTED);
        }

        public boolean b2b() {
            return isolation == Isolation.B2B;
        }
    }

    /** An Instance's {@code user_context_isolation} as whoami reports it. */
    public enum Isolation {
        UNREPORTED(null), B2C("equals_customer"), B2B("strict");

        private final String wire;

        Isolation(String wire) {
            this.wire = wire;
        }

        /** What whoami says ({@code null}: the field is absent). */
        public String wire() {
            return wire;
        }
    }

    /**
     * The client's credit wallet: {@code balance} at start, {@code perDocument} charged for each accepted document.
     * With {@code overages} (a paid plan that allows usage past zero) the balance goes negative; without, a call the balance
     * cannot cover is answered 402 ({@code insufficient_credits}, reason {@code overages_disabled}), as Synap's credit gate does.
     */
    public record Credits(double balance, double perDocument, boolean overages) {
        public Credits {
            if (perDocument < 0) throw new IllegalArgumentException("credit cost per document must be >= 0, was " + perDocument);
        }
    }

    /**
     * A Synap that lies, to prove the client checks what it is told. Documents whose text holds {@code refuse} are refused
     * per item ({@code rejected: ...}); on every {@code every}-th batch call (the ones between answer honestly) the answer
     * is bent by each of {@code modes}. The documents of a lying call are still stored (they were accepted; the answer
     * lies about it), so an honest retry finds them already ingested.
     */
    public record Lies(String refuse, java.util.Set<Lie> modes, int every) {
        public static final Lies NONE = new Lies(null, java.util.Set.of(), 2);

        public Lies {
            modes = modes == null ? java.util.Set.of() : java.util.Set.copyOf(modes);
            if (every < 1) throw new IllegalArgumentException("lies: every must be >= 1, was " + every);
        }

        public boolean any() {
            return refuse != null || !modes.isEmpty();
        }
    }

    /** One way of lying (see {@link Lies}). */
    public enum Lie {
        /** the results in the reverse order of the documents */
        REVERSED_RESULTS,
        /** a queued result carries another document's id, one not in the call */
        FOREIGN_IDS,
        /** a refusal's message is worded like a duplicate ("rejected: duplicate key 'source' in metadata") */
        DUPLICATE_WORDING,
        /** the last result is left out */
        SHORT_RESULTS,
        /** a 200 whose body is an HTML page */
        HTML_200,
        /** a 429 asking to wait a billion seconds */
        HUGE_RETRY_AFTER;

        /** The flag spelling ({@code reversed-results}). */
        public String flag() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** The unit a rate limit counts. Synap does not publish which one it uses. */
    public enum RateLimitUnit { CALL, DOCUMENT }

    /**
     * What a document whose document_id was already accepted gets. Synap's own pages disagree
     * (docs/synap-api.md §5.3), so the emulator can do each.
     */
    public enum DuplicatePolicy {
        /** a per-item {@code failed} result, "document_id already ingested" (default) */
        ITEM_FAILURE,
        /** the whole call is answered 409 and nothing in it is accepted */
        CONFLICT,
        /** accepted as an update of the stored document (queued), not a second memory */
        UPSERT
    }

    /**
     * Fault injection, each a probability per batch call in [0, 1].
     *
     * @param error500            answer 500
     * @param error503            answer 503
     * @param dropConnection      close the connection without an answer (nothing accepted)
     * @param acceptThenSlow      accept the batch, then answer only after {@code slowDelay} (the client times out)
     * @param slowDelay           how long an accept-then-slow answer waits
     * @param burst429            start a burst of 429s ...
     * @param burst429Calls       ... that lasts this many calls
     * @param latencySpike        add {@code spikeDelay} to this share of calls
     * @param spikeDelay          the extra latency of a spike
     */
    public record Faults(double error500, double error503, double dropConnection, double acceptThenSlow,
                         Duration slowDelay, double burst429, int burst429Calls, double latencySpike,
                         Duration spikeDelay) {
        public static final Faults NONE = new Faults(0, 0, 0, 0, Duration.ofSeconds(3), 0, 0, 0, Duration.ZERO);

        /** The mix the demo's {@code --faults} and the reliability suite use. */
        public static final Faults TYPICAL = new Faults(0.0, 0.10, 0.02, 0.02, Duration.ofSeconds(3), 0.01, 5, 0.02,
                Duration.ofMillis(800));

        public Faults {
            for (double p : new double[] {error500, error503, dropConnection, acceptThenSlow, burst429, latencySpike}) {
                if (p < 0 || p > 1) throw new IllegalArgumentException("fault probabilities must be in [0,1], got " + p);
            }
            if (error500 + error503 + dropConnection + acceptThenSlow + burst429 > 1)
                throw new IllegalArgumentException("fault probabilities add up to more than 1");
            if (burst429Calls < 0) throw new IllegalArgumentException("burst429Calls must be >= 0");
        }

        public boolean any() {
            return error500 + error503 + dropConnection + acceptThenSlow + burst429 + latencySpike > 0;
        }
    }

    /**
     * Synap's asynchronous processing of an accepted document (docs/synap-api.md §4.2): {@code queued} for the
     * first third of its delay, {@code processing} until the delay is over, then terminal. Each document's delay
     * (0.5–1.5 × {@code processingDelay}) and outcome are a function of the seed and its document id, so a test
     * knows what the status endpoint will say ({@link SynapEmulator#extractionOutcome}).
     *
     * @param processingDelay mean time from accepted to terminal (0 = terminal at once)
     * @param failedShare     share of documents whose extraction ends {@code failed} (no memories)
     * @param partialShare    share that ends {@code partial_success} (fewer memories, an error message)
     */
    public record Extraction(Duration processingDelay, double failedShare, double partialShare) {
        public static final Extraction IMMEDIATE = new Extraction(Duration.ZERO, 0, 0);

        public Extraction {
            Objects.requireNonNull(processingDelay, "processingDelay");
            if (processingDelay.isNegative()) throw new IllegalArgumentException("processingDelay must be >= 0, was " + processingDelay);
            if (failedShare < 0 || partialShare < 0 || failedShare + partialShare > 1)
                throw new IllegalArgumentException("extraction shares must be >= 0 and add up to at most 1, were failed="
                        + failedShare + " partial=" + partialShare);
        }
    }

    public static final class Builder {
        private int port = 0;
        private Map<String, Instance> instances = new LinkedHashMap<>(Map.of(DEFAULT_API_KEY,
                new Instance("cli_0123456789abcdef", "inst_0123456789abcdef", false)));
        private int maxDocumentsPerBatch = 100;
        private int maxDocumentBytes = 256 * 1024;
        private int rateLimitPerMinute = 600;
        private RateLimitUnit rateLimitUnit = RateLimitUnit.CALL;
        private int burst;
        private boolean burstSet;
        private DuplicatePolicy duplicatePolicy = DuplicatePolicy.ITEM_FAILURE;
        private Duration latencyP50 = Duration.ZERO;
        private Duration latencyP95 = Duration.ZERO;
        private Faults faults = Faults.NONE;
        private long seed = 42;
        private Extraction extraction = Extraction.IMMEDIATE;
        private String poison;
        private Credits credits;
        private Lies lies = Lies.NONE;

        public Builder port(int port) { this.port = port; return this; }
        public Builder apiKey(String key, Instance instance) { instances.put(key, instance); return this; }
        public Builder onlyApiKey(String key, Instance instance) { instances.clear(); instances.put(key, instance); return this; }
        public Builder maxDocumentsPerBatch(int n) { this.maxDocumentsPerBatch = n; return this; }
        public Builder maxDocumentBytes(int n) { this.maxDocumentBytes = n; return this; }
        public Builder rateLimitPerMinute(int n) { this.rateLimitPerMinute = n; return this; }
        public Builder rateLimitUnit(RateLimitUnit unit) { this.rateLimitUnit = unit; return this; }
        public Builder burst(int burst) { this.burst = burst; this.burstSet = true; return this; }
        public Builder duplicatePolicy(DuplicatePolicy p) { this.duplicatePolicy = p; return this; }
        public Builder latency(Duration p50, Duration p95) { this.latencyP50 = p50; this.latencyP95 = p95; return this; }
        public Builder faults(Faults f) { this.faults = f; return this; }
        public Builder seed(long seed) { this.seed = seed; return this; }
        public Builder extraction(Extraction e) { this.extraction = e; return this; }
        /** A batch holding a document whose text contains {@code marker} fails with a 500, every time (content Synap cannot take). */
        public Builder poison(String marker) { this.poison = marker; return this; }

        /** How the emulator misleads the client ({@link Lies#NONE}: it does not). */
        public Builder lies(Lies l) { this.lies = l; return this; }

        /** The client's wallet (null: credits not modelled). */
        public Builder credits(Credits c) { this.credits = c; return this; }

        public EmulatorSettings build() {
            // Documented tier: 600 rpm with burst 50, i.e. five seconds' worth of requests.
            int b = burstSet ? burst : Math.max(1, (int) Math.ceil(rateLimitPerMinute / 12.0));
            return new EmulatorSettings(port, instances, maxDocumentsPerBatch, maxDocumentBytes, rateLimitPerMinute,
                    rateLimitUnit, b, duplicatePolicy, latencyP50, latencyP95, faults, seed, extraction, poison, credits, lies);
        }
    }
}
