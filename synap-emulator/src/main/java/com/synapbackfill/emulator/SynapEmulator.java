package com.synapbackfill.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Collection;
import java.util.Optional;
import java.util.Random;
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
 * <p>This class is the server: it routes each call to its endpoint ({@link MemoryEndpoints},
 * {@link StatusEndpoint}, {@link AccountEndpoints}) and writes the {@link Reply}; what a call meets and what becomes
 * of a document are decided in {@link KeyRing}, {@link CallGate}, {@link FaultPlan}, {@link DocumentValidator} and
 * {@link DocumentStore}.
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
    private final HttpServer server;
    private final ExecutorService executor;
    private final EmulatorStats stats = new EmulatorStats();
    private final LiveSettings live;
    private final KeyRing keys = new KeyRing();
    private final CallGate gate = new CallGate(stats);
    private final DocumentStore store = new DocumentStore(stats);
    private final MemoryEndpoints memories;
    private final StatusEndpoint status;
    private final AccountEndpoints account;

    private SynapEmulator(EmulatorSettings settings) throws IOException {
        this.live = new LiveSettings(settings);
        FaultPlan faults = new FaultPlan(new Random(settings.seed()), stats);
        this.memories = new MemoryEndpoints(mapper, live, stats, keys, gate, store, faults);
        this.status = new StatusEndpoint(live, stats, keys, gate, store);
        this.account = new AccountEndpoints(mapper, live, keys);
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
        return live.settings();
    }

    /**
     * The clock documents are queued on and their extraction progresses by (the system clock by default; rate
     * limits always run on real time). Tests pass a later one instead of waiting out the extraction delays.
     */
    public void useClock(Clock clock) {
        live.useClock(clock);
    }

    /** Replaces the settings of a running emulator (port and seed are kept). */
    public void reconfigure(EmulatorSettings newSettings) {
        live.reconfigure(newSettings);
        gate.reset();
    }

    /** The client's credit balance now (NaN when credits are not modelled). */
    public double creditBalance() {
        CreditWallet w = live.wallet();
        return w == null ? Double.NaN : w.balance();
    }

    /** Credits accepted documents consumed (NaN when credits are not modelled). */
    public double creditsSpent() {
        CreditWallet w = live.wallet();
        return w == null ? Double.NaN : w.spent();
    }

    /** Sets the balance: a top-up (credits must be modelled, {@link EmulatorSettings.Builder#credits}). */
    public void setCreditBalance(double credits) {
        CreditWallet w = live.wallet();
        if (w == null) throw new IllegalStateException("credits are not modelled: start the emulator with credits (--credits N)");
        w.setBalance(credits);
    }

    /** Every later call with this key is answered 401. */
    public void revokeKey(String apiKey) { keys.revoke(apiKey); }

    /** Every later call with this key is answered 403. */
    public void forbidKey(String apiKey) { keys.forbid(apiKey); }

    /** The key is fixed on Synap's side (permissions restored, or reinstated): accepted again. */
    public void restoreKey(String apiKey) { keys.restore(apiKey); }

    /** Adds a key at runtime (e.g. the "new key" after a revocation). */
    public void addKey(String apiKey, EmulatorSettings.Instance instance) { keys.add(apiKey, instance); }

    /** While on, every batch/create call is answered 503 (Synap down). */
    public void setOutage(boolean on) { gate.setOutage(on); }

    /** While on, every batch/create call is answered 402 with balance details. */
    public void setCreditsExhausted(boolean on) { gate.setCreditsExhausted(on); }

    public EmulatorStats.Snapshot stats() {
        return stats.snapshot();
    }

    /** Every accepted document, over all Instances. */
    public Collection<StoredDocument> documents() {
        return store.documents();
    }

    /** The submission an ingestion id was answered for (an update under UPSERT has its own), if any. */
    public Optional<StoredDocument> ingestion(String ingestionId) {
        return store.ingestion(ingestionId);
    }

    /** Forgets every stored document and counter-free state (buckets, switches); counters are kept. */
    public void clearDocuments() {
        store.clear();
    }

    /**
     * The terminal extraction status the status endpoint will give {@code documentId} under the current
     * settings ({@code completed}, {@code partial_success} or {@code failed}): the ground truth a verify test
     * compares with. A function of the seed and the id only.
     */
    public String extractionOutcome(String documentId) {
        return ExtractionModel.outcome(documentId, live.settings()).status();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- the server

    private void dispatch(HttpExchange ex) throws IOException {
        stats.enter();
        try {
            Call call = new Call(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    ex.getRequestHeaders().getFirst("Authorization"), readBody(ex));
            write(ex, answer(call));
        } catch (Reply.DropConnection drop) {
            throw drop; // the server closes the connection without an answer
        } catch (RuntimeException e) {
            LOG.warn("emulator failed on {} {}", ex.getRequestMethod(), ex.getRequestURI(), e);
            write(ex, Reply.error(500, "emulator error: " + e.getClass().getSimpleName()));
        } finally {
            stats.exit();
        }
    }

    /** The route: which endpoint answers a method and path (404 for any other). */
    private Reply answer(Call call) throws IOException {
        String path = call.path();
        String method = call.method();
        try {
            if (path.equals("/health") && method.equals("GET")) return Reply.json(200, Reply.obj().put("status", "ok"));
            if (path.equals("/v1/telemetry/batch") && method.equals("POST"))
                return Reply.json(202, Reply.obj().put("accepted", true));
            if (path.equals("/api/v1/auth/whoami") && method.equals("GET")) return account.whoami(call);
            if (path.equals("/api/v1/memories/batch") && method.equals("POST")) return memories.batch(call);
            if (path.equals("/api/v1/memories/create") && method.equals("POST")) return memories.create(call);
            if (path.startsWith(STATUS_PATH) && method.equals("GET"))
                return status.status(call, path.substring(STATUS_PATH.length()));
            if (path.equals("/v1/credits/balance") && method.equals("GET")) return account.creditBalance(call);
            if (path.equals("/v1/credits/estimate") && method.equals("POST")) return account.creditEstimate(call);
            if (path.equals("/_emulator/credits") && method.equals("POST")) return account.topUp(call);
            if (path.equals("/_emulator/stats") && method.equals("GET"))
                return Reply.json(200, mapper.valueToTree(stats.snapshot()));
            if (path.equals("/_emulator/documents") && method.equals("GET"))
                return Reply.ndjson(out -> store.exportTo(out, mapper));
            return Reply.error(404, "Not Found");
        } catch (Reply.Refusal refused) {
            return refused.reply;
        }
    }

    private static final String STATUS_PATH = "/api/v1/memories/status/";

    private static byte[] readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private void write(HttpExchange ex, Reply reply) throws IOException {
        sleep(reply.delayMillis());
        reply.headers().forEach((name, value) -> ex.getResponseHeaders().add(name, value));
        if (reply.stream() != null) {
            ex.sendResponseHeaders(reply.status(), 0);
            try (OutputStream out = ex.getResponseBody()) {
                reply.stream().writeTo(out);
            }
            return;
        }
        stats.status(reply.status());
        byte[] bytes = mapper.writeValueAsBytes(reply.body());
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
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
}
