package com.synapbackfill.synap;

import com.synapbackfill.config.Redaction;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.retry.Sleeper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synap's memory API over OkHttp + Jackson, speaking exactly what the official SDK sends (docs/synap-api.md §3).
 *
 * <p>Unlike the SDK (which retries only I/O failures), this client also retries 429 (honouring an integer or
 * HTTP-date {@code Retry-After}) and 5xx, with exponential backoff and full jitter, within a budget of attempts
 * and time. That is safe because every document carries a stable {@code document_id}. Every attempt goes
 * through the {@link CallGate} so the fleet-wide limiter counts retries too. {@link #retrying} is the one retry
 * loop of every call; what an answer other than 200 means is {@link SynapErrors}'s to say, what a 200 must hold
 * {@link SynapAnswers}'s.
 */
public final class OkHttpSynapApi implements SynapApi {
    private static final Logger LOG = LoggerFactory.getLogger(OkHttpSynapApi.class);
    private static final MediaType JSON = MediaType.get("application/json");

    private final OkHttpClient http;
    private final SynapClientConfig config;
    private final CallGate gate;
    private final Sleeper sleeper;
    private final Clock clock;
    private final String batchUrl;
    private final String whoamiUrl;
    private final String statusUrl;
    private final String creditsUrl;
    private final com.synapbackfill.retry.Backoff backoff;

    /**
     * @param shared a shared client (one connection pool per process); timeouts are applied with newBuilder()
     */
    public OkHttpSynapApi(OkHttpClient shared, SynapClientConfig config, CallGate gate, Sleeper sleeper, Clock clock) {
        this.config = config;
        this.gate = gate;
        this.sleeper = sleeper;
        this.clock = clock;
        this.http = shared.newBuilder()
                .connectTimeout(config.connectTimeout())
                .readTimeout(config.readTimeout())
                .writeTimeout(config.writeTimeout())
                .callTimeout(config.callTimeout())
                .retryOnConnectionFailure(false) // we decide about retries: a POST may have been accepted
                .build();
        this.batchUrl = config.baseUrl() + "/api/v1/memories/batch";
        this.whoamiUrl = config.baseUrl() + "/api/v1/auth/whoami";
        this.statusUrl = config.baseUrl() + "/api/v1/memories/status/";
        this.creditsUrl = config.baseUrl() + "/v1/credits/";
        this.backoff = new com.synapbackfill.retry.Backoff(config.backoffBase(), config.backoffMax(), com.synapbackfill.retry.Backoff.Jitter.FULL);
    }

    /** The process-wide client all Synap clients derive from. */
    public static OkHttpClient sharedHttpClient() {
        return Holder.CLIENT;
    }

    private static final class Holder {
        // redirects are never followed: a 307/308 would post the batch (the chat text) to whatever host it names
        static final OkHttpClient CLIENT = new OkHttpClient.Builder().followRedirects(false).followSslRedirects(false)
                .connectionPool(new okhttp3.ConnectionPool(64, 5, java.util.concurrent.TimeUnit.MINUTES))
                .build();
    }

    /** Wire shape of the batch body: the SDK's key order, nulls included, {@code fail_fast} always sent. */
    record BatchCreateRequest(@JsonProperty("documents") List<MemoryDocument> documents,
                              @JsonProperty("fail_fast") boolean failFast) {
    }

    /** Serializes a batch body exactly as it goes on the wire (used for byte caps and conformance). */
    public static byte[] body(List<MemoryDocument> documents) {
        return BatchBody.of(documents);
    }

    @Override
    public BatchResult batchCreate(List<MemoryDocument> documents) {
        return batchCreate(documents, documents.stream().map(BatchBody::encode).toList());
    }

    @Override
    public BatchResult batchCreate(List<MemoryDocument> documents, List<byte[]> encoded) {
        if (documents.isEmpty()) throw new IllegalArgumentException("batchCreate needs at least one document");
        if (encoded.size() != documents.size()) {
            throw new IllegalArgumentException("batchCreate: " + encoded.size() + " encoded documents for " + documents.size());
        }
        byte[] body = BatchBody.assemble(encoded);
        String correlationId = correlationId();
        int[] throttled = {0, 0};
        List<String> sentIds = documents.stream().map(MemoryDocument::documentId).toList();
        try {
            return retrying("batch_create", documents.size(), throttled, attempt -> {
            Request request = new Request.Builder().url(batchUrl)
                    .header("Authorization", "Bearer " + config.apiKey())
                    .header("X-Correlation-ID", correlationId)
                    .post(RequestBody.create(body, JSON))
                    .build();
            long t0 = System.nanoTime();
            JsonNode json = execute(request);
            long latency = (System.nanoTime() - t0) / 1_000_000;
            return SynapAnswers.parseBatch(json, sentIds, latency, attempt, throttled[0]).withCorrelationId(correlationId)
                    .withServerErrors(throttled[1]);
            });
        } catch (RetryableException e) {
            if (!SynapAnswers.MALFORMED.equals(e.errorClass())) throw e;
            // the same wrong answer again: its documents fail with the reason (retry-failures sends them again), never a
            // retry loop that re-sends the batch for hours
            throw new PermanentException(PermanentException.Kind.MALFORMED_ANSWER, e.getMessage() + " [correlation id " + correlationId + "]",
                    200, e.getMessage() + " [correlation id " + correlationId + "]", e);
        }
    }

    /** Attempts a call gets when its answers are malformed (a 200 that holds the wrong thing): a few, not the whole budget. */
    static final int MALFORMED_ATTEMPTS = 3;

    /** One attempt of a call; its number (from 1) is given. */
    private interface Attempt<T> {
        T run(int attempt);
    }

    /**
     * The one retry policy of every call: a retryable failure (429, 5xx, timeout, I/O, not ready) is retried with
     * backoff (a Retry-After is a floor) within {@code maxAttempts} and {@code maxRetryTime}; a 429 tells the gate,
     * which pauses the fleet, and any other retryable failure is reported to it. {@code documents} is what each
     * attempt takes from the gate (0: a call the rate limit does not count, such as whoami or the credit calls).
     */
    private <T> T retrying(String what, int documents, int[] throttled, Attempt<T> call) { // throttled: 429s [, 5xx]
        long started = clock.millis();
        int malformed = 0;
        for (int attempt = 1; ; attempt++) {
            if (documents > 0) gate.beforeCall(documents);
            try {
                return call.run(attempt);
            } catch (RetryableException e) {
                Duration asked = e.retryAfter().orElse(null);
                if (asked != null && asked.compareTo(config.maxRetryTime()) > 0) {
                    // never a silent hour: at most the retry budget (SYNAP_MAX_RETRY_SECONDS), and the operator is told
                    e = new RetryableException(e.errorClass(), e.getMessage(), e.httpStatus(), config.maxRetryTime(), e.getCause());
                    String said = com.synapbackfill.model.Trouble.ASKED_TO_WAIT + " " + String.format("%,d", asked.toSeconds()) + " s; waiting "
                            + config.maxRetryTime().toSeconds() + " s (SYNAP_MAX_RETRY_SECONDS)";
                    LOG.warn("{}: {}", what, said);
                    if (documents > 0) gate.onCallFailed(e.errorClass() + ": " + said);
                }
                if (documents > 0 && e.httpStatus() == 429) {
                    throttled[0]++;
                    gate.onThrottled(e.retryAfter().orElse(Duration.ofSeconds(1)));
                } else if (documents > 0) {
                    if (e.httpStatus() >= 500 && throttled.length > 1) throttled[1]++;
                    gate.onCallFailed(e.errorClass() + ": " + e.getMessage());
                }
                Duration delay = backoff(attempt, e);
                long elapsed = clock.millis() - started;
                if (SynapAnswers.MALFORMED.equals(e.errorClass())) malformed++;
                if (attempt >= config.maxAttempts() || malformed >= MALFORMED_ATTEMPTS || elapsed + delay.toMillis() > config.maxRetryTime().toMillis()) {
                    LOG.warn("{} gave up after {} attempts in {} ms: {} (status {}): {}", what, attempt, elapsed,
                            e.errorClass(), e.httpStatus(), e.getMessage());
                    throw e;
                }
                LOG.info("{} attempt {} failed ({} {}: {}), retrying in {} ms", what, attempt, e.errorClass(),
                        e.httpStatus(), e.getMessage(), delay.toMillis());
                sleep(delay);
            }
        }
    }

    /**
     * One status lookup behind the same gate as batch_create (it counts against the Instance's limit), with
     * the same retry budget for 429s and transient failures.
     */
    @Override
    public IngestionStatus status(String ingestionId) {
        if (ingestionId == null || !ingestionId.matches("[0-9a-fA-F-]{32,36}"))
            throw new IllegalArgumentException("ingestion id is not a UUID: " + ingestionId);
        String correlationId = correlationId();
        return retrying("status", 1, new int[1], attempt -> SynapAnswers.parseStatus(execute(new Request.Builder().url(statusUrl + ingestionId)
                .header("Authorization", "Bearer " + config.apiKey())
                .header("X-Correlation-ID", correlationId)
                .get().build()), ingestionId));
    }

    @Override
    public Identity whoami() {
        // through the one retry policy: a dropped keep-alive connection or a 503 is retried, not the caller's problem
        JsonNode json = retrying("whoami", 0, new int[1], attempt -> execute(get(whoamiUrl)));
        return new Identity(json.path("client_id").asText(""), json.path("instance_id").asText(""),
                json.hasNonNull("user_context_isolation") ? json.get("user_context_isolation").asText() : null);
    }

    /** {@code GET /v1/credits/balance} (SDK 0.6.9 {@code credits.get_balance}); a 404 is a Synap without credits: unknown. */
    @Override
    public java.util.Optional<CreditBalance> balance() {
        JsonNode json;
        try {
            json = retrying("credits balance", 0, new int[1], attempt -> execute(get(creditsUrl + "balance")));
        } catch (PermanentException e) {
            if (e.kind() == PermanentException.Kind.NOT_FOUND) return java.util.Optional.empty();
            throw e;
        }
        if (!json.hasNonNull("balance_credits") || !json.get("balance_credits").isNumber())
            throw SynapAnswers.malformed("the credit balance has no numeric \"balance_credits\"");
        List<CreditBalance.Bucket> buckets = new ArrayList<>();
        for (JsonNode b : json.path("buckets"))
            buckets.add(new CreditBalance.Bucket(b.path("source_type").asText(""), b.path("balance").asDouble(), b.path("expires_at").asText(null)));
        return java.util.Optional.of(new CreditBalance(json.path("client_id").asText(""), json.get("balance_credits").asDouble(),
                json.path("warning_low").asBoolean(false), buckets));
    }

    /** What the estimate call names the batch call by: its path (the SDK's metric names for ingestion are not public). */
    public static final String ESTIMATE_ENDPOINT = "/api/v1/memories/batch";
    /** The metric the estimate is asked for: documents ingested (one unit per document). */
    public static final String ESTIMATE_METRIC = "memory_documents";

    /** {@code POST /v1/credits/estimate} (SDK 0.6.9 {@code credits.estimate}) for {@code documents} documents in {@code mode}. */
    @Override
    public java.util.OptionalDouble estimateCredits(long documents, String mode) {
        byte[] bytes = estimateBody(documents, mode);
        String correlationId = correlationId();
        JsonNode json;
        try {
            json = retrying("credits estimate", 0, new int[1], attempt -> execute(new Request.Builder().url(creditsUrl + "estimate")
                    .header("Authorization", "Bearer " + config.apiKey()).header("X-Correlation-ID", correlationId)
                    .post(RequestBody.create(bytes, JSON)).build()));
        } catch (PermanentException e) {
            if (e.kind() == PermanentException.Kind.NOT_FOUND) return java.util.OptionalDouble.empty();
            throw e;
        }
        if (!json.hasNonNull("credits_estimate") || !json.get("credits_estimate").isNumber())
            throw SynapAnswers.malformed("the credit estimate has no numeric \"credits_estimate\"");
        return java.util.OptionalDouble.of(json.get("credits_estimate").asDouble());
    }

    /** The estimate's body as the SDK's {@code credits.estimate} sends it: its five keys in its order. */
    public static byte[] estimateBody(long documents, String mode) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("metric_type", ESTIMATE_METRIC);
        body.put("units", documents);
        body.put("item_count", documents);
        body.put("endpoint", ESTIMATE_ENDPOINT);
        body.put("mode", mode);
        return Json.writeBytes(body);
    }

    private Request get(String url) {
        return new Request.Builder().url(url)
                .header("Authorization", "Bearer " + config.apiKey())
                .header("X-Correlation-ID", correlationId())
                .get().build();
    }

    /** Full jitter: random in [0, min(max, base·2^(attempt-1))]; a Retry-After is honoured as a floor. */
    Duration backoff(int attempt, RetryableException e) {
        long jitter = backoff.delay(attempt).toMillis();
        long floor = e.retryAfter().map(Duration::toMillis).orElse(0L);
        return Duration.ofMillis(floor > 0 ? floor + jitter / 4 : jitter);
    }

    private void sleep(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException ie) {
            // a stopping run's wait (StoppableSleeper) leaves the thread as it was: the worker still records its step
            if (!(ie instanceof com.synapbackfill.retry.StoppableSleeper.Stopped)) Thread.currentThread().interrupt();
            throw new RetryableException("interrupted", "interrupted while backing off", 0, null, ie);
        }
    }

    /** One HTTP attempt: 200 → parsed JSON; anything else → the matching exception. */
    private JsonNode execute(Request request) {
        try (Response response = http.newCall(request).execute()) {
            ResponseBody rb = response.body();
            String text = rb == null ? "" : rb.string();
            int code = response.code();
            if (code == 200) {
                try {
                    return Json.MAPPER.readTree(text);
                } catch (IOException e) {
                    throw SynapAnswers.malformed("the body is not JSON (" + response.header("Content-Type", "no Content-Type") + ", begins \""
                            + com.synapbackfill.text.Printable.of(text.length() > 60 ? text.substring(0, 60) + "…" : text) + "\")");
                }
            }
            if (code == 204) return Json.MAPPER.createObjectNode();
            if (code >= 300 && code < 400) {
                // never followed (the client is built so): a POST re-sent elsewhere would carry the whole batch of chat text
                String to = response.header("Location");
                throw new PermanentException(PermanentException.Kind.OTHER, "Synap answered " + code + " redirecting to "
                        + (to == null ? "(no Location)" : Redaction.secret(to, config.apiKey())) + "; redirects are not followed (the chat "
                        + "text would go to another host): set SYNAP_BASE_URL to the address that answers" + correlation(request, response), code, null, null);
            }
            // an error body may echo the request (its Authorization header): the key never reaches a message, the ledger or a report
            throw SynapErrors.fromStatus(code, Redaction.secret(text, config.apiKey()), SynapErrors.retryAfter(response.header("Retry-After"), clock),
                    correlation(request, response));
        } catch (InterruptedIOException e) {
            throw new RetryableException("timeout", "Synap call timed out: " + e.getMessage(), 0, null, e);
        } catch (IOException e) {
            throw new RetryableException("io_error", "Synap call failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(), 0, null, e);
        }
    }

    /** The call's correlation id, as support asks for it first: Synap's answer's, else the one sent. */
    private static String correlation(Request request, Response response) {
        String id = response.header("X-Correlation-ID");
        if (id == null) id = request.header("X-Correlation-ID");
        return id == null ? "" : " [correlation id " + id + "]";
    }

    /** {@code syn_<6>_<epoch millis>_<6 hex>} like the SDK's (docs/synap-api.md §3.1). */
    private String correlationId() {
        String hex = HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(), 0, 3);
        return "syn_bkfill_" + clock.millis() + "_" + hex;
    }

    @Override
    public String toString() {
        return "OkHttpSynapApi[" + config + "]";
    }
}
