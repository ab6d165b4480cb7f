package com.synapbackfill.emulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process emulator of Synap's memory API as the official SDK speaks it (docs/synap-api.md §11.2):
 * batch create, single create, status, whoami, telemetry and health, errors as {@code {"detail": ...}}.
 * It keeps every accepted document so tests can prove each row arrived exactly once.
 *
 * <p>Start with {@link #start(EmulatorSettings)}; {@link #close()} stops it. Runtime switches
 * ({@link #revokeKey}, {@link #setOutage}, ...) let a test change Synap's behaviour mid-run.
 */
public final class SynapEmulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SynapEmulator.class);
    static {
        // Without TCP_NODELAY the JDK server's small header/body writes meet the client's delayed ACK and every
        // call stalls ~40 ms (measured: 173 calls/s, CPU idle). Read once by the server's config class.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final HttpServer server;
    private final ExecutorService executor;
    private final EmulatorStats stats = new EmulatorStats();
    private final Map<String, StoredDocument> documents = new ConcurrentHashMap<>(); // instanceId + '\u0000' + documentId
    private final Map<String, StoredDocument> byIngestionId = new ConcurrentHashMap<>();
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final Set<String> revokedKeys = ConcurrentHashMap.newKeySet();
    private final Set<String> forbiddenKeys = ConcurrentHashMap.newKeySet();
    private volatile java.time.Clock clock = java.time.Clock.systemUTC(); // when documents are queued and extracted
    private final Map<String, EmulatorSettings.Instance> extraKeys = new ConcurrentHashMap<>();
    private final FaultPlan faults;
    private volatile EmulatorSettings settings;
    private volatile boolean outage;
    private volatile boolean creditsExhausted;
    private volatile CreditWallet wallet; // null: credits not modelled

    private SynapEmulator(EmulatorSettings settings) throws IOException {
        this.settings = settings;
        this.faults = new FaultPlan(new Random(settings.seed()), stats);
        this.wallet = settings.credits() == null ? null : new CreditWallet(settings.credits());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.port()), 256);
        // A thread per in-flight call: injected latency sleeps, and the project's own benchmarks run hundreds
        // of concurrent calls, so a small fixed pool would make the emulator the bottleneck.
        this.executor = new ThreadPoolExecutor(8, 2048, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "synap-emulator");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
    }

    /** Starts an emulator on 127.0.0.1 with the given settings; the port is {@link #port()}. */
    public static SynapEmulator start(EmulatorSettings settings) {
        try {
            SynapEmulator emulator = new SynapEmulator(settings);
            emulator.server.start();
            LOG.info("Synap emulator listening on {}", emulator.baseUrl());
            return emulator;
        } catch (IOException e) {
            throw new IllegalStateException("could not start the Synap emulator on port " + settings.port(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT}: what SYNAP_BASE_URL should be set to. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public EmulatorSettings settings() {
        return settings;
    }

    /**
     * The clock documents are queued on and their extraction progresses by (the system clock by default; rate
     * limits always run on real time). Tests pass a later one instead of waiting out the extraction delays.
     */
    public void useClock(java.time.Clock clock) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    /** Replaces the settings of a running emulator (port and seed are kept). */
    public void reconfigure(EmulatorSettings newSettings) {
        if (!java.util.Objects.equals(newSettings.credits(), settings.credits()))
            wallet = newSettings.credits() == null ? null : new CreditWallet(newSettings.credits());
        this.settings = newSettings;
        buckets.clear();
    }

    /** The client's credit balance now (NaN when credits are not modelled). */
    public double creditBalance() {
        CreditWallet w = wallet;
        return w == null ? Double.NaN : w.balance();
    }

    /** Credits accepted documents consumed (NaN when credits are not modelled). */
    public double creditsSpent() {
        CreditWallet w = wallet;
        return w == null ? Double.NaN : w.spent();
    }

    /** Sets the balance: a top-up (credits must be modelled, {@link EmulatorSettings.Builder#credits}). */
    public void setCreditBalance(double credits) {
        CreditWallet w = wallet;
        if (w == null) throw new IllegalStateException("credits are not modelled: start the emulator with credits (--credits N)");
        w.setBalance(credits);
    }

    /** Every later call with this key is answered 401. */
    public void revokeKey(String apiKey) { revokedKeys.add(apiKey); }

    /** Every later call with this key is answered 403. */
    public void forbidKey(String apiKey) { forbiddenKeys.add(apiKey); }

    /** The key is fixed on Synap's side (permissions restored, or reinstated): accepted again. */
    public void restoreKey(String apiKey) {
        revokedKeys.remove(apiKey);
        forbiddenKeys.remove(apiKey);
    }

    /** Adds a key at runtime (e.g. the "new key" after a revocation). */
    public void addKey(String apiKey, EmulatorSettings.Instance instance) { extraKeys.put(apiKey, instance); }

    /** While on, every batch/create call is answered 503 (Synap down). */
    public void setOutage(boolean on) { this.outage = on; }

    /** While on, every batch/create call is answered 402 with balance details. */
    public void setCreditsExhausted(boolean on) { this.creditsExhausted = on; }

    public EmulatorStats.Snapshot stats() {
        return stats.snapshot();
    }

    /** Every accepted document, over all Instances. */
    public Collection<StoredDocument> documents() {
        return List.copyOf(documents.values());
    }

    /** The submission an ingestion id was answered for (an update under UPSERT has its own), if any. */
    public java.util.Optional<StoredDocument> ingestion(String ingestionId) {
        return java.util.Optional.ofNullable(byIngestionId.get(ingestionId));
    }

    /** Forgets every stored document and counter-free state (buckets, switches); counters are kept. */
    public void clearDocuments() {
        documents.clear();
        byIngestionId.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(HttpExchange ex) throws IOException {
        stats.enter();
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/health") && method.equals("GET")) {
                send(ex, 200, obj().put("status", "ok"));
            } else if (path.equals("/v1/telemetry/batch") && method.equals("POST")) {
                drain(ex);
                send(ex, 202, obj().put("accepted", true));
            } else if (path.equals("/api/v1/auth/whoami") && method.equals("GET")) {
                whoami(ex);
            } else if (path.equals("/api/v1/memories/batch") && method.equals("POST")) {
                batch(ex);
            } else if (path.equals("/api/v1/memories/create") && method.equals("POST")) {
                create(ex);
            } else if (path.startsWith("/api/v1/memories/status/") && method.equals("GET")) {
                status(ex, path.substring("/api/v1/memories/status/".length()));
            } else if (path.equals("/v1/credits/balance") && method.equals("GET")) {
                creditBalance(ex);
            } else if (path.equals("/v1/credits/estimate") && method.equals("POST")) {
                creditEstimate(ex);
            } else if (path.equals("/_emulator/credits") && method.equals("POST")) {
                topUp(ex);
            } else if (path.equals("/_emulator/stats") && method.equals("GET")) {
                send(ex, 200, mapper.valueToTree(stats.snapshot()));
            } else if (path.equals("/_emulator/documents") && method.equals("GET")) {
                exportDocuments(ex);
            } else {
                drain(ex);
                error(ex, 404, "Not Found");
            }
        } catch (DropConnection drop) {
            throw drop; // the server closes the connection without an answer
        } catch (RuntimeException e) {
            LOG.warn("emulator failed on {} {}", ex.getRequestMethod(), ex.getRequestURI(), e);
            error(ex, 500, "emulator error: " + e.getClass().getSimpleName());
        } finally {
            stats.exit();
        }
    }

    private void whoami(HttpExchange ex) throws IOException {
        EmulatorSettings.Instance inst = authenticate(ex);
        if (inst == null) return;
        ObjectNode who = obj().put("client_id", inst.clientId()).put("instance_id", inst.instanceId())
                .put("relationship_type", inst.b2b() ? "b2b" : "b2c");
        if (inst.isolation().wire() != null) who.put("user_context_isolation", inst.isolation().wire());
        send(ex, 200, who);
    }

    // ---------------------------------------------------------------- credits

    private void creditBalance(HttpExchange ex) throws IOException {
        EmulatorSettings.Instance inst = authenticate(ex);
        if (inst == null) return;
        CreditWallet w = wallet;
        if (w == null) error(ex, 404, "Not Found");
        else send(ex, 200, w.balanceBody(inst.clientId()));
    }

    private void creditEstimate(HttpExchange ex) throws IOException {
        EmulatorSettings.Instance inst = authenticate(ex);
        if (inst == null) return;
        byte[] body = ex.getRequestBody().readAllBytes();
        CreditWallet w = wallet;
        if (w == null) {
            error(ex, 404, "Not Found");
            return;
        }
        JsonNode req;
        try {
            req = mapper.readTree(body);
        } catch (IOException e) {
            error(ex, 422, List.of(validation("body", "Invalid JSON")));
            return;
        }
        if (req == null || !req.hasNonNull("metric_type")) {
            error(ex, 422, List.of(validation("body.metric_type", "Field required")));
            return;
        }
        ObjectNode answer = w.estimateBody(req);
        if (answer == null) error(ex, 422, List.of(validation("body.units", "Input should be a number >= 0")));
        else send(ex, 200, answer);
    }

    /** {@code POST /_emulator/credits {"balance": N}}: a top-up from outside (the CLI's emulator, a script). */
    private void topUp(HttpExchange ex) throws IOException {
        JsonNode req = mapper.readTree(ex.getRequestBody().readAllBytes());
        CreditWallet w = wallet;
        if (w == null || req == null || !req.path("balance").isNumber()) {
            error(ex, 400, w == null ? "credits are not modelled (start with --credits N)" : "body: {\"balance\": N}");
            return;
        }
        w.setBalance(req.get("balance").asDouble());
        send(ex, 200, obj().put("balance_credits", w.balance()));
    }

    private EmulatorSettings.Instance authenticate(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String key = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
        EmulatorSettings.Instance inst = key == null ? null : settings.instances().get(key);
        if (inst == null && key != null) inst = extraKeys.get(key);
        if (inst == null || revokedKeys.contains(key)) {
            drain(ex);
            error(ex, 401, key == null ? "Missing bearer token" : "Invalid or revoked API key");
            return null;
        }
        if (forbiddenKeys.contains(key)) {
            drain(ex);
            error(ex, 403, "API key is not allowed to ingest into this instance");
            return null;
        }
        return inst;
    }

    // ---------------------------------------------------------------- batch

    private void batch(HttpExchange ex) throws IOException {
        stats.batchCalls.increment();
        EmulatorSettings s = settings;
        EmulatorSettings.Instance inst = authenticate(ex);
        if (inst == null) return;
        byte[] body = ex.getRequestBody().readAllBytes();
        if (gateFailed(ex, s, inst, 1)) return;

        FaultPlan.Fault fault = faults.draw(s);
        switch (fault) {
            case ERROR_500 -> { error(ex, 500, "Internal Server Error"); return; }
            case ERROR_503 -> { error(ex, 503, "Service temporarily unavailable"); return; }
            case DROP -> { stats.dropped.increment(); throw new DropConnection(); }
            case BURST_429 -> { rateLimited(ex, 1); return; }
            default -> { }
        }

        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            error(ex, 422, List.of(validation("body", "Invalid JSON: " + firstLine(e.getMessage()))));
            return;
        }
        JsonNode docs = root == null ? null : root.get("documents");
        if (docs == null || !docs.isArray()) {
            error(ex, 422, List.of(validation("body.documents", "Field required (an array of documents)")));
            return;
        }
        if (docs.size() > s.maxDocumentsPerBatch()) {
            error(ex, 422, List.of(validation("body.documents", "List should have at most " + s.maxDocumentsPerBatch()
                    + " items after validation, not " + docs.size())));
            return;
        }
        if (s.rateLimitUnit() == EmulatorSettings.RateLimitUnit.DOCUMENT && docs.size() > 1
                && !bucket(inst, s).tryTake(docs.size() - 1)) {
            rateLimited(ex, docs.size());
            return;
        }
        if (s.poison() != null) {
            for (JsonNode d : docs) {
                if (d.path("document").asText("").contains(s.poison())) {
                    error(ex, 500, "Internal Server Error");
                    return;
                }
            }
        }
        boolean failFast = root.path("fail_fast").asBoolean(false);
        stats.documentsReceived.add(docs.size());

        // validate every item first
        List<DocumentValidator.Candidate> candidates = new ArrayList<>(docs.size());
        for (JsonNode d : docs) candidates.add(DocumentValidator.validate(d, inst, s));
        if (failFast) {
            for (int i = 0; i < candidates.size(); i++) {
                if (candidates.get(i).error != null) {
                    error(ex, 400, "documents[" + i + "]: " + candidates.get(i).error);
                    return;
                }
            }
        }

        Instant now = clock.instant();
        String queuedAt = now.toString();
        CreditWallet w = wallet;
        if (w != null) {
            int chargeable = 0;
            for (DocumentValidator.Candidate c : candidates) if (c.error == null) chargeable++;
            if (!w.covers(chargeable)) {
                send(ex, 402, w.insufficientBody(chargeable));
                return;
            }
        }
        ObjectNode resp = obj();
        resp.put("batch_id", fastUuid());
        ArrayNode results = nodes.arrayNode();
        int succeeded = 0;
        int failed = 0;
        synchronized (documents) { // one writer at a time keeps "accepted once" exact under concurrent duplicates
            if (s.duplicatePolicy() == EmulatorSettings.DuplicatePolicy.CONFLICT) {
                List<String> conflicts = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                for (DocumentValidator.Candidate c : candidates) {
                    if (c.error == null && c.documentId != null
                            && (documents.containsKey(key(inst, c.documentId)) || !seen.add(c.documentId))) {
                        conflicts.add(c.documentId);
                    }
                }
                if (!conflicts.isEmpty()) {
                    stats.duplicates.add(conflicts.size());
                    ObjectNode detail = obj().put("code", "duplicate_document_id")
                            .put("message", conflicts.size() + " document_id(s) already ingested");
                    ArrayNode ids = detail.putArray("document_ids");
                    conflicts.forEach(ids::add);
                    send(ex, 409, obj().set("detail", detail));
                    return;
                }
            }
            for (DocumentValidator.Candidate c : candidates) {
                String ingestionId = fastUuid();
                ObjectNode r = obj();
                r.put("ingestion_id", ingestionId);
                String docId = c.documentId != null ? c.documentId : "doc_" + fastUuid().replace("-", "").substring(0, 16);
                r.put("document_id", docId);
                if (c.error != null) {
                    r.put("status", "failed").put("queued_at", queuedAt).put("error_message", c.error);
                    stats.itemFailures.increment();
                    failed++;
                } else {
                    StoredDocument doc = c.toStored(inst.instanceId(), docId, ingestionId, now.toEpochMilli());
                    if (admit(inst, doc, s) == Admission.DUPLICATE) {
                        r.put("status", "failed").put("queued_at", queuedAt)
                                .put("error_message", "document_id already ingested");
                        failed++;
                    } else {
                        r.put("status", "queued").put("queued_at", queuedAt).putNull("error_message");
                        succeeded++;
                        if (w != null) w.charge(1);
                    }
                }
                results.add(r);
            }
        }
        resp.put("total", candidates.size()).put("succeeded", succeeded).put("failed", failed);
        resp.set("results", results);

        if (fault == FaultPlan.Fault.ACCEPT_THEN_SLOW) {
            stats.acceptedThenSlow.increment();
            sleep(s.faults().slowDelay().toMillis());
        } else {
            sleep(faults.latencyMillis(s));
        }
        send(ex, 200, resp);
    }

    /** Outage, credits and the rate limit, checked before the body is looked at. */
    private boolean gateFailed(HttpExchange ex, EmulatorSettings s, EmulatorSettings.Instance inst, int units)
            throws IOException {
        if (outage) {
            error(ex, 503, "Service temporarily unavailable (outage)");
            return true;
        }
        if (creditsExhausted) {
            ObjectNode detail = obj().put("error", "insufficient_credits").put("message", "Insufficient credits").put("balance_credits", 0)
                    .put("minimum_required_credits", 1).put("recovery_url", "https://synap.maximem.ai/billing")
                    .put("redeem_url", "https://synap.maximem.ai/redeem");
            send(ex, 402, obj().set("detail", detail));
            return true;
        }
        if (s.rateLimitPerMinute() > 0 && !bucket(inst, s).tryTake(units)) {
            rateLimited(ex, units);
            return true;
        }
        return false;
    }

    private void rateLimited(HttpExchange ex, int units) throws IOException {
        stats.rateLimited.increment();
        EmulatorSettings s = settings;
        double perSecond = s.rateLimitPerMinute() > 0 ? s.rateLimitPerMinute() / 60.0 : 1.0;
        long retryAfter = Math.max(1, (long) Math.ceil(units / perSecond));
        ex.getResponseHeaders().add("Retry-After", Long.toString(retryAfter));
        ex.getResponseHeaders().add("X-RateLimit-Reset", Long.toString(Instant.now().getEpochSecond() + retryAfter));
        error(ex, 429, "Rate limit exceeded for this instance");
    }

    private TokenBucket bucket(EmulatorSettings.Instance inst, EmulatorSettings s) {
        return buckets.computeIfAbsent(inst.instanceId(), id -> new TokenBucket(s.rateLimitPerMinute() / 60.0, s.burst()));
    }

    // ---------------------------------------------------------------- create / status / export

    private void create(HttpExchange ex) throws IOException {
        stats.createCalls.increment();
        EmulatorSettings s = settings;
        EmulatorSettings.Instance inst = authenticate(ex);
        if (inst == null) return;
        byte[] body = ex.getRequestBody().readAllBytes();
        if (gateFailed(ex, s, inst, 1)) return;
        JsonNode d;
        try {
            d = mapper.readTree(body);
        } catch (IOException e) {
            error(ex, 422, List.of(validation("body", "Invalid JSON")));
            return;
        }
        DocumentValidator.Candidate c = DocumentValidator.validate(d, inst, s);
        if (c.error != null) {
            error(ex, 400, c.error);
            return;
        }
        Instant now = clock.instant();
        String ingestionId = fastUuid();
        String docId = c.documentId != null ? c.documentId : "doc_" + fastUuid().replace("-", "").substring(0, 16);
        CreditWallet w = wallet;
        if (w != null && !w.covers(1)) {
            send(ex, 402, w.insufficientBody(1));
            return;
        }
        synchronized (documents) {
            if (admit(inst, c.toStored(inst.instanceId(), docId, ingestionId, now.toEpochMilli()), s) == Admission.DUPLICATE) {
                error(ex, 409, "document_id already ingested: " + docId);
                return;
            }
        }
        if (w != null) w.charge(1);
        sleep(faults.latencyMillis(s));
        send(ex, 200, obj().put("ingestion_id", ingestionId).put("document_id", docId).put("status", "queued")
                .put("queued_at", now.toString()));
    }

    /** What became of one valid document: stored for the first time, an update of a stored one, or refused. */
    private enum Admission { NEW, UPDATED, DUPLICATE }

    /**
     * The duplicate policy, for the batch and the single create alike (the caller holds the documents lock): a
     * known document_id is refused, or under UPSERT updates the stored document (and gets its own ingestion id
     * and status); a new one is stored.
     */
    private Admission admit(EmulatorSettings.Instance inst, StoredDocument doc, EmulatorSettings s) {
        String k = key(inst, doc.documentId());
        StoredDocument existing = documents.get(k);
        if (existing != null && s.duplicatePolicy() != EmulatorSettings.DuplicatePolicy.UPSERT) {
            stats.duplicates.increment();
            return Admission.DUPLICATE;
        }
        byIngestionId.put(doc.ingestionId(), doc);
        if (existing != null) {
            documents.put(k, existing.withUpdate(doc));
            stats.updates.increment();
            return Admission.UPDATED;
        }
        documents.put(k, doc);
        stats.accepted.increment();
        return Admission.NEW;
    }

    /**
     * GET status: authenticated and counted against the Instance's rate limit like any call; the document's
     * extraction moves {@code queued → processing → terminal} on its own schedule (settings' {@code extraction}).
     */
    private void status(HttpExchange ex, String ingestionId) throws IOException {
        stats.statusCalls.increment();
        EmulatorSettings s = settings;
        EmulatorSettings.Instance inst = authenticate(ex);
        if (inst == null) return;
        if (gateFailed(ex, s, inst, 1)) return;
        StoredDocument doc = byIngestionId.get(ingestionId);
        if (doc == null || !doc.instanceId().equals(inst.instanceId())) {
            error(ex, 404, "Ingestion not found: " + ingestionId);
            return;
        }
        ExtractionModel.Outcome o = ExtractionModel.outcome(doc.documentId(), s);
        long queuedAt = doc.queuedAtEpochMillis();
        long elapsed = clock.millis() - queuedAt;
        String status = elapsed >= o.delayMillis() ? o.status() : elapsed >= o.delayMillis() / 3 ? "processing" : "queued";
        ObjectNode r = obj().put("ingestion_id", ingestionId).put("document_id", doc.documentId())
                .put("status", status).put("queued_at", Instant.ofEpochMilli(queuedAt).toString());
        if (status.equals("queued")) r.putNull("started_at");
        else r.put("started_at", Instant.ofEpochMilli(queuedAt + o.delayMillis() / 3).toString());
        boolean terminal = !status.equals("queued") && !status.equals("processing");
        if (terminal) r.put("completed_at", Instant.ofEpochMilli(queuedAt + o.delayMillis()).toString());
        else r.putNull("completed_at");
        int memories = terminal ? o.memories() : 0;
        r.put("memories_created", memories);
        var ids = r.putArray("memory_ids");
        for (int i = 0; i < memories; i++) ids.add("mem_" + ingestionId.replace("-", "").substring(0, 14) + String.format("%02d", i));
        if (terminal && o.error() != null) r.put("error_message", o.error());
        else r.putNull("error_message");
        send(ex, 200, r);
    }

    /**
     * The terminal extraction status the status endpoint will give {@code documentId} under the current
     * settings ({@code completed}, {@code partial_success} or {@code failed}): the ground truth a verify test
     * compares with. A function of the seed and the id only.
     */
    public String extractionOutcome(String documentId) {
        return ExtractionModel.outcome(documentId, settings).status();
    }

    private void exportDocuments(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/x-ndjson");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody();
             JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
            gen.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
            for (StoredDocument d : documents.values()) mapper.writeValue(gen, d);
            gen.writeRaw('\n');
        }
    }

    private static void sleep(long millis) {
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A random version-4 UUID from ThreadLocalRandom: the emulator hands out hundreds of ids per call, and
     * UUID.randomUUID()'s SecureRandom would make it the bottleneck of the project's own benchmarks.
     */
    static String fastUuid() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    private static String key(EmulatorSettings.Instance inst, String documentId) {
        return inst.instanceId() + '\u0000' + documentId;
    }

    private ObjectNode obj() {
        return nodes.objectNode();
    }

    private ObjectNode validation(String loc, String msg) {
        ObjectNode o = obj().put("type", "value_error").put("msg", msg);
        ArrayNode l = o.putArray("loc");
        for (String part : loc.split("\\.")) l.add(part);
        return o;
    }

    private void error(HttpExchange ex, int status, String detail) throws IOException {
        send(ex, status, obj().put("detail", detail));
    }

    private void error(HttpExchange ex, int status, List<ObjectNode> details) throws IOException {
        ArrayNode arr = nodes.arrayNode();
        details.forEach(arr::add);
        send(ex, status, obj().set("detail", arr));
    }

    private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        stats.status(status);
        byte[] bytes = mapper.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void drain(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Thrown from a handler to make the HTTP server close the connection without an answer. */
    private static final class DropConnection extends RuntimeException {
        DropConnection() {
            super("injected dropped connection", null, false, false);
        }
    }

}
