package com.synapbackfill.synap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.error.BackfillException;
import com.synapbackfill.error.BlockedException;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.error.RetryableException;
import com.synapbackfill.json.Json;
import com.synapbackfill.model.MemoryDocument;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Synap client against MockWebServer scenarios; every test also pins the request shape. */
class OkHttpSynapApiTest {
    static final String KEY = "synap_SECRETKEY_do_not_log";
    MockWebServer server;
    List<Duration> sleeps;
    List<Duration> throttles;
    List<String> troubles;
    int gateCalls;
    OkHttpSynapApi api;

    @BeforeEach
    void setUp() throws Exception {
        server = new MockWebServer();
        server.start(InetAddress.getLoopbackAddress(), 0);
        sleeps = new ArrayList<>();
        throttles = new ArrayList<>();
        troubles = new ArrayList<>();
        gateCalls = 0;
        api = client(4);
    }

    OkHttpSynapApi client(int attempts) {
        SynapClientConfig cfg = SynapClientConfig.defaults(server.url("/").toString(), KEY)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(3))
                .withRetries(attempts, Duration.ofMinutes(5), Duration.ofMillis(100), Duration.ofSeconds(2));
        SynapApi.CallGate gate = new SynapApi.CallGate() {
            @Override
            public void beforeCall(int documents) {
                gateCalls++;
            }

            @Override
            public void onThrottled(Duration retryAfter) {
                throttles.add(retryAfter);
            }

            @Override
            public void onCallFailed(String what) {
                troubles.add(what);
            }
        };
        return new OkHttpSynapApi(OkHttpSynapApi.sharedHttpClient(), cfg, gate, sleeps::add, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    static List<MemoryDocument> docs(int n) {
        List<MemoryDocument> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("conversation_id", "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162");
            meta.put("message_index", i);
            out.add(new MemoryDocument("User: hi é 😀 " + i + "\nAssistant: hello", "ai-chat-conversation",
                    "backfill:c:" + i, "2025-03-02T09:15:00Z", "u-" + i, i % 2 == 0 ? null : "acme", "long-range", meta));
        }
        return out;
    }

    static String ok(int n, String... statuses) {
        StringBuilder results = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String st = statuses.length > i ? statuses[i] : "queued";
            String err = st.startsWith("failed:") ? "\"" + st.substring(7) + "\"" : "null";
            results.append(i == 0 ? "" : ",").append("{\"ingestion_id\":\"0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f40516").append(i % 10)
                    .append("\",\"document_id\":\"backfill:c:").append(i).append("\",\"status\":\"")
                    .append(st.startsWith("failed:") ? "failed" : st).append("\",\"queued_at\":\"2025-03-02T09:15:01.204311Z\",\"error_message\":")
                    .append(err).append("}");
        }
        return "{\"batch_id\":\"5b3f4a2e-9a1c-4d7e-8f00-3c2b1a0e9d88\",\"total\":" + n + ",\"succeeded\":" + n + ",\"failed\":0,\"results\":[" + results + "]}";
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    void assertBatchRequest(RecordedRequest r, int n) throws Exception {
        assertThat(r.getMethod()).isEqualTo("POST");
        assertThat(r.getUrl().encodedPath()).isEqualTo("/api/v1/memories/batch");
        assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(r.getHeaders().get("Content-Type")).startsWith("application/json");
        assertThat(r.getHeaders().get("X-Correlation-ID")).matches("syn_[a-z]+_\\d+_[0-9a-f]{6}");
        JsonNode body = Json.MAPPER.readTree(r.getBody().utf8());
        assertThat(body.get("fail_fast").asBoolean(true)).isFalse();
        assertThat(body.get("documents")).hasSize(n);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = body.get("documents").get(0).fieldNames(); it.hasNext(); ) keys.add(it.next());
        assertThat(keys).containsExactly("document", "document_type", "document_id", "document_created_at", "user_id",
                "customer_id", "scope", "mode", "metadata");
        assertThat(body.get("documents").get(0).get("customer_id").isNull()).isTrue();
        assertThat(body.get("documents").get(0).get("document").asText()).isEqualTo("User: hi é 😀 0\nAssistant: hello");
    }

    @Test
    void statusIsOneGatedGetAndParsesTheExtractionOutcome() throws Exception {
        String id = "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162";
        server.enqueue(json(200, "{\"ingestion_id\":\"" + id + "\",\"document_id\":\"d1\",\"status\":\"partial_success\","
                + "\"queued_at\":\"2025-03-02T09:15:01Z\",\"memories_created\":2,\"memory_ids\":[\"m1\",\"m2\"],"
                + "\"error_message\":\"one pass timed out\"}"));
        IngestionStatus s = api.status(id);
        assertThat(s.status()).isEqualTo("partial_success");
        assertThat(s.terminal()).isTrue();
        assertThat(s.memoriesCreated()).isEqualTo(2);
        assertThat(s.memoryIds()).containsExactly("m1", "m2");
        assertThat(s.errorMessage()).isEqualTo("one pass timed out");
        assertThat(gateCalls).isEqualTo(1);
        var request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("GET");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/memories/status/" + id);
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
        // an unknown id is NOT_FOUND; an unknown status is a clear malformed answer
        server.enqueue(json(404, "{\"detail\":\"Ingestion not found\"}"));
        PermanentException nf = catchThrowableOfType(PermanentException.class, () -> api.status(id));
        assertThat(nf.kind()).isEqualTo(PermanentException.Kind.NOT_FOUND);
        assertThat(SynapAnswers.parseStatus(com.synapbackfill.json.Json.MAPPER.readTree(
                "{\"ingestion_id\":\"x\",\"document_id\":\"d\",\"status\":\"queued\"}"), "x").terminal()).isFalse();
        assertThat(catchThrowableOfType(RetryableException.class, () -> SynapAnswers.parseStatus(com.synapbackfill.json.Json.MAPPER.readTree(
                "{\"ingestion_id\":\"x\",\"document_id\":\"d\",\"status\":\"done\"}"), "x")).getMessage())
                .contains("the status of x is \"done\"");
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> api.status("../batch"))).hasMessageContaining("not a UUID");
    }

    @Test
    void sendsTheSdkBodyAndParsesAllQueued() throws Exception {
        server.enqueue(json(200, ok(3)));
        BatchResult r = api.batchCreate(docs(3));
        assertThat(r.results()).hasSize(3).allMatch(i -> !i.failed());
        assertThat(r.batchId()).isEqualTo("5b3f4a2e-9a1c-4d7e-8f00-3c2b1a0e9d88");
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(gateCalls).isEqualTo(1);
        assertBatchRequest(server.takeRequest(), 3);
    }

    @Test
    void classifiesMixedPerItemFailures() throws Exception {
        server.enqueue(json(200, ok(3, "queued", "failed:document_id already ingested", "failed:document_type: invalid")));
        BatchResult r = api.batchCreate(docs(3));
        assertThat(r.results().get(0).failed()).isFalse();
        assertThat(r.results().get(1).duplicate()).isTrue();
        assertThat(r.results().get(2).failed()).isTrue();
        assertThat(r.results().get(2).duplicate()).isFalse();
        assertThat(r.results().get(2).errorMessage()).isEqualTo("document_type: invalid");
        assertBatchRequest(server.takeRequest(), 3);
    }

    @Test
    void badRequestAndValidationErrorsArePermanentAndNotRetried() throws Exception {
        server.enqueue(json(400, "{\"detail\":\"customer_id is required\"}"));
        PermanentException e = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(1)));
        assertThat(e.kind()).isEqualTo(PermanentException.Kind.INVALID_INPUT);
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.detail()).as("the detail a failure row keeps, with the call's correlation id").startsWith("customer_id is required [correlation id syn_");
        server.enqueue(json(422, "{\"detail\":[{\"loc\":[\"body\",\"documents\"],\"msg\":\"at most 100\"}]}"));
        PermanentException e2 = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(2)));
        assertThat(e2.httpStatus()).isEqualTo(422);
        assertThat(e2.detail()).contains("at most 100").startsWith("[");
        assertBatchRequest(server.takeRequest(), 1);
        assertBatchRequest(server.takeRequest(), 2);
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void authCreditsAndForbiddenBlockTheRunAndNeverLeakTheKey() throws Exception {
        server.enqueue(json(401, "{\"detail\":\"Invalid API key\"}"));
        server.enqueue(json(402, "{\"detail\":{\"balance_credits\":0,\"minimum_required_credits\":5}}"));
        server.enqueue(json(403, "{\"detail\":\"forbidden\"}"));
        BlockedException auth = catchThrowableOfType(BlockedException.class, () -> api.batchCreate(docs(1)));
        BlockedException credits = catchThrowableOfType(BlockedException.class, () -> api.batchCreate(docs(1)));
        BlockedException forbidden = catchThrowableOfType(BlockedException.class, () -> api.batchCreate(docs(1)));
        assertThat(auth.reason()).isEqualTo(BlockedException.Reason.AUTH);
        assertThat(credits.reason()).isEqualTo(BlockedException.Reason.CREDITS);
        assertThat(credits.getMessage()).contains("balance 0 credits, this call needs 5").contains("then resume the run");
        assertThat(forbidden.reason()).isEqualTo(BlockedException.Reason.FORBIDDEN);
        for (BackfillException e : List.of(auth, credits, forbidden)) assertThat(e.getMessage()).doesNotContain(KEY);
        assertThat(api.toString()).doesNotContain(KEY);
        assertThat(server.getRequestCount()).isEqualTo(3);
        for (int i = 0; i < 3; i++) assertBatchRequest(server.takeRequest(), 1);
    }

    @Test
    void conflictKeepsTheDetailIncludingTranscriptConflict() throws Exception {
        server.enqueue(json(409, "{\"detail\":{\"code\":\"transcript_conflict\",\"message\":\"exists\"}}"));
        PermanentException e = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(1)));
        assertThat(e.kind()).isEqualTo(PermanentException.Kind.CONFLICT);
        assertThat(e.detail()).contains("transcript_conflict");
        assertBatchRequest(server.takeRequest(), 1);
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 100; i++) ids.append(i == 0 ? "" : ",").append("\"backfill:c:").append(i).append("\"");
        server.enqueue(json(409, "{\"detail\":{\"code\":\"duplicate_document_id\",\"document_ids\":[" + ids + "]}}"));
        PermanentException many = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(100)));
        assertThat(many.detail().length()).isLessThanOrEqualTo(501); // trimmed for the ledger...
        assertThat(many.documentIds()).hasSize(100).contains("backfill:c:99"); // ...but every named id is kept
    }

    @Test
    void rateLimitedCallsHonourRetryAfterAndPauseTheFleet() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "2").body("{\"detail\":\"slow down\"}").build());
        server.enqueue(json(200, ok(1)));
        BatchResult r = api.batchCreate(docs(1));
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.throttled()).isEqualTo(1);
        assertThat(r.serverErrors()).as("a 429 is no server error").isZero();
        assertThat(throttles).containsExactly(Duration.ofSeconds(2));
        assertThat(sleeps).hasSize(1);
        assertThat(sleeps.get(0)).isBetween(Duration.ofSeconds(2), Duration.ofMillis(2_100));
        assertThat(gateCalls).isEqualTo(2); // the retry goes through the limiter again
        assertBatchRequest(server.takeRequest(), 1);
        assertBatchRequest(server.takeRequest(), 1);
    }

    @Test
    void rateLimitedWithoutOrWithDateRetryAfterStillRetries() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).body("{\"detail\":\"slow\"}").build());
        String date = ZonedDateTime.now().plusSeconds(3).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", date).body("x").build());
        server.enqueue(json(200, ok(1)));
        BatchResult r = api.batchCreate(docs(1));
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(throttles).hasSize(2);
        assertThat(throttles.get(0)).isEqualTo(Duration.ofSeconds(1)); // default pause when no header
        assertThat(throttles.get(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(3));
        assertThat(sleeps.get(0)).isLessThanOrEqualTo(Duration.ofMillis(100)); // full jitter under the base
    }

    @Test
    void serverErrorsAreRetriedThenGivenUpWithinTheBudget() throws Exception {
        server.enqueue(json(500, "{\"detail\":\"boom\"}"));
        server.enqueue(new MockResponse.Builder().code(503).body("upstream down").build());
        server.enqueue(json(200, ok(2)));
        BatchResult answered = api.batchCreate(docs(2));
        assertThat(answered.attempts()).isEqualTo(3);
        assertThat(answered.retries()).isEqualTo(2);
        assertThat(answered.serverErrors()).as("the 5xx answers on the way, for the run's minutes").isEqualTo(2);
        assertThat(answered.throttled()).isZero();
        for (int i = 0; i < 4; i++) server.enqueue(json(503, "{\"detail\":\"down\"}"));
        RetryableException e = catchThrowableOfType(RetryableException.class, () -> api.batchCreate(docs(2)));
        assertThat(e.errorClass()).isEqualTo("server_error");
        assertThat(e.httpStatus()).isEqualTo(503);
        assertThat(server.getRequestCount()).isEqualTo(3 + 4);
    }

    @Test
    void droppedConnectionMidResponseIsRetried() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body(ok(1))
                .onResponseBody(new SocketEffect.CloseSocket(true, false, false)).build());
        server.enqueue(json(200, ok(1)));
        BatchResult r = api.batchCreate(docs(1));
        assertThat(r.attempts()).isEqualTo(2);
        assertBatchRequest(server.takeRequest(), 1);
        assertBatchRequest(server.takeRequest(), 1);
    }

    @Test
    void readTimeoutIsRetryableAndResendsTheSameDocuments() throws Exception {
        for (int i = 0; i < 2; i++) {
            server.enqueue(new MockResponse.Builder().code(200).body(ok(1)).headersDelay(2, TimeUnit.SECONDS).build());
        }
        OkHttpSynapApi twoTries = client(2);
        RetryableException e = catchThrowableOfType(RetryableException.class, () -> twoTries.batchCreate(docs(1)));
        assertThat(e.errorClass()).isEqualTo("timeout");
        String first = server.takeRequest().getBody().utf8();
        String second = server.takeRequest().getBody().utf8();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void malformedSuccessBodiesAreClearErrorsNotNullPointers() {
        server.enqueue(json(200, "not json"));
        server.enqueue(json(200, "{\"batch_id\":\"5b3f4a2e-9a1c-4d7e-8f00-3c2b1a0e9d88\",\"total\":1,\"succeeded\":1,\"failed\":0}"));
        server.enqueue(json(200, ok(2)));
        OkHttpSynapApi once = client(1);
        assertThatThrownBy(() -> once.batchCreate(docs(1))).isInstanceOf(PermanentException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> once.batchCreate(docs(1))).isInstanceOf(PermanentException.class).hasMessageContaining("missing \"results\"");
        assertThatThrownBy(() -> once.batchCreate(docs(1))).isInstanceOf(PermanentException.class).hasMessageContaining("2 entries for 1 documents");
    }

    /** A results list in another order than the documents: each result goes to the document it names. */
    @Test
    void resultsAreMatchedToDocumentsByIdNotByPosition() throws Exception {
        String body = ok(3, "queued", "failed:document_type: invalid", "queued");
        JsonNode json = Json.MAPPER.readTree(body);
        com.fasterxml.jackson.databind.node.ArrayNode reversed = Json.MAPPER.createArrayNode();
        for (int i = json.get("results").size() - 1; i >= 0; i--) reversed.add(json.get("results").get(i));
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).set("results", reversed);
        server.enqueue(json(200, json.toString()));
        BatchResult r = api.batchCreate(docs(3));
        assertThat(r.results()).extracting(BatchResult.ItemResult::documentId).containsExactly("backfill:c:0", "backfill:c:1", "backfill:c:2");
        assertThat(r.results()).extracting(BatchResult.ItemResult::failed).containsExactly(false, true, false);
    }

    /**
     * An answer that names a document the call did not send, names one twice, or leaves one out says nothing reliable of
     * any of them: a few attempts, then the call fails as malformed with its correlation id (never counted accepted).
     */
    @Test
    void foreignRepeatedOrMissingResultsAreMalformedAfterAFewAttempts() throws Exception {
        String foreign = ok(2).replace("backfill:c:1", "backfill:somebody-else");
        String twice = ok(2).replace("backfill:c:1", "backfill:c:0");
        for (String answer : List.of(foreign, twice, "<!doctype html><html><body>Gateway</body></html>")) {
            int before = server.getRequestCount();
            for (int i = 0; i < OkHttpSynapApi.MALFORMED_ATTEMPTS; i++) server.enqueue(json(200, answer));
            PermanentException e = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(2)));
            assertThat(e).as(answer).isNotNull();
            assertThat(e.kind()).isEqualTo(PermanentException.Kind.MALFORMED_ANSWER);
            assertThat(e.errorClass()).isEqualTo("malformed_answer");
            assertThat(e.detail()).contains("[correlation id syn_");
            assertThat(server.getRequestCount() - before).as("attempts").isEqualTo(OkHttpSynapApi.MALFORMED_ATTEMPTS);
        }
        // a queued result with no document id at all
        for (int i = 0; i < OkHttpSynapApi.MALFORMED_ATTEMPTS; i++) server.enqueue(json(200, ok(1).replace("\"document_id\":\"backfill:c:0\",", "")));
        assertThat(catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(1))).getMessage()).contains("missing \"document_id\"");
    }

    /** Only what docs/synap-api.md records as a duplicate of the document id is one; other words are failures. */
    @Test
    void onlyTheDocumentedDuplicateFormIsAlreadyPresent() throws Exception {
        server.enqueue(json(200, ok(4, "failed:document_id already ingested", "failed:rejected: duplicate key 'source' in metadata",
                "failed:a conversation with this id already exists", "failed:Document_ID already ingested (2025-01-01)")));
        BatchResult r = api.batchCreate(docs(4));
        assertThat(r.results()).extracting(BatchResult.ItemResult::duplicate).containsExactly(true, false, false, true);
        assertThat(new BatchResult.ItemResult("i", "d", "failed", null, "refused", BatchResult.DUPLICATE_CODE).duplicate()).isTrue();
        assertThat(new BatchResult.ItemResult("i", "d", "queued", null, "document_id already ingested").duplicate()).isFalse();
    }

    @Test
    void newerSdkAnswersInstanceNotReadyIsRetriedAndCreditStopsBlock() throws Exception {
        server.enqueue(json(409, "{\"error\":\"instance_not_ready\",\"detail\":{\"code\":\"instance_not_ready\",\"retry_after_seconds\":4}}"));
        server.enqueue(json(200, ok(1)));
        assertThat(api.batchCreate(docs(1)).attempts()).isEqualTo(2);
        assertThat(sleeps.get(0)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
        server.enqueue(json(429, "{\"detail\":{\"reason\":\"trial_limit_reached\",\"message\":\"Trial cap spent\"}}"));
        BlockedException credit = catchThrowableOfType(BlockedException.class, () -> api.batchCreate(docs(1)));
        assertThat(credit.reason()).isEqualTo(BlockedException.Reason.CREDITS);
        assertThat(credit.getMessage()).contains("trial_limit_reached");
        server.enqueue(json(409, "{\"detail\":{\"code\":\"instance_build_failed\",\"message\":\"MACA invalid\"}}"));
        assertThatThrownBy(() -> api.batchCreate(docs(1))).isInstanceOf(BlockedException.class).hasMessageContaining("build failed");
    }

    @Test
    void retryAfterParsingToleratesEveryForm() {
        Clock clock = Clock.systemUTC();
        assertThat(SynapErrors.retryAfter("7", clock)).isEqualTo(Duration.ofSeconds(7));
        assertThat(SynapErrors.retryAfter("1.5", clock)).isNull();
        assertThat(SynapErrors.retryAfter(null, clock)).isNull();
        assertThat(SynapErrors.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", clock)).isEqualTo(Duration.ZERO);
        // an HTTP date is read against the client's clock, not the machine's
        Clock at = Clock.fixed(java.time.Instant.parse("2015-10-21T07:27:30Z"), java.time.ZoneOffset.UTC);
        assertThat(SynapErrors.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", at)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void configNeverPrintsTheKey() {
        assertThat(SynapClientConfig.defaults("https://x", KEY).toString()).doesNotContain(KEY).contains("redacted");
        assertThatThrownBy(() -> SynapClientConfig.defaults("ftp://x", KEY)).hasMessageContaining("SYNAP_BASE_URL");
        assertThatThrownBy(() -> SynapClientConfig.defaults("https://x", " ")).hasMessageContaining("SYNAP_API_KEY");
    }

    @Test
    void aRedirectIsNeverFollowedAndNamesItsTarget() throws Exception {
        try (MockWebServer elsewhere = new MockWebServer()) {
            elsewhere.start(InetAddress.getLoopbackAddress(), 0);
            server.enqueue(new MockResponse.Builder().code(307).addHeader("Location", elsewhere.url("/api/v1/memories/batch")).build());
            PermanentException e = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(3)));
            assertThat(e.httpStatus()).isEqualTo(307);
            assertThat(e.getMessage()).contains("redirecting to " + elsewhere.url("/api/v1/memories/batch")).contains("not followed");
            assertThat(elsewhere.getRequestCount()).as("the chat text went nowhere else").isZero();
            assertThat(server.getRequestCount()).as("a redirect is not retried").isEqualTo(1);
        }
    }

    @Test
    void anErrorBodyThatEchoesTheKeyNeverCarriesIt() {
        server.enqueue(new MockResponse.Builder().code(500).body("{\"detail\":\"boom; request headers: Authorization: Bearer " + KEY + "\"}").build());
        server.enqueue(new MockResponse.Builder().code(400).body("{\"detail\":\"bad token " + KEY + "\"}").build());
        api = client(1);
        RetryableException e = catchThrowableOfType(RetryableException.class, () -> api.batchCreate(docs(1)));
        assertThat(e.getMessage()).doesNotContain(KEY).contains("<redacted>").contains("[correlation id syn_");
        PermanentException p = catchThrowableOfType(PermanentException.class, () -> api.batchCreate(docs(1)));
        assertThat(p.getMessage()).doesNotContain(KEY);
        assertThat(p.detail()).doesNotContain(KEY);
    }

    @Test
    void plainHttpToAnotherMachineIsRefusedUnlessAllowed() {
        assertThatThrownBy(() -> SynapClientConfig.requireSecure("--synap-url", "http://synap.example.com", false))
                .hasMessageContaining("--synap-url: http://synap.example.com is not encrypted").hasMessageContaining("--allow-plain-http");
        SynapClientConfig.requireSecure("--synap-url", "http://synap.example.com", true);
        SynapClientConfig.requireSecure("--synap-url", "http://127.0.0.1:8080", false);
        SynapClientConfig.requireSecure("--synap-url", "http://localhost:8080", false);
        SynapClientConfig.requireSecure("--synap-url", "https://synap.example.com", false);
        assertThatThrownBy(() -> SynapClientConfig.defaults("https://user:pw@synap.example.com", KEY)).hasMessageContaining("holds credentials");
    }

    @Test
    void theCreditCallsAndTheIsolationModeAreReadAsTheSdkReadsThem() throws Exception {
        server.enqueue(json(200, "{\"client_id\":\"cli_0123456789abcdef\",\"instance_id\":\"inst_0123456789abcdef\","
                + "\"user_context_isolation\":\"equals_customer\"}"));
        server.enqueue(json(200, "{\"client_id\":\"cli_0123456789abcdef\",\"balance_credits\":1234.5,\"warning_low\":true,"
                + "\"buckets\":[{\"source_type\":\"subscription\",\"balance\":1234.5,\"expires_at\":null}]}"));
        server.enqueue(json(200, "{\"credits_estimate\":30000.0}"));
        assertThat(api.whoami().isolation()).isEqualTo(SynapApi.B2C);
        SynapApi.CreditBalance b = api.balance().orElseThrow();
        assertThat(b.balanceCredits()).isEqualTo(1234.5);
        assertThat(b.warningLow()).isTrue();
        assertThat(b.buckets()).extracting(SynapApi.CreditBalance.Bucket::sourceType).containsExactly("subscription");
        assertThat(api.estimateCredits(30_000, "long-range").getAsDouble()).isEqualTo(30_000.0);
        server.takeRequest();
        RecordedRequest balance = server.takeRequest();
        assertThat(balance.getUrl().encodedPath()).isEqualTo("/v1/credits/balance");
        assertThat(balance.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
        RecordedRequest estimate = server.takeRequest();
        assertThat(estimate.getUrl().encodedPath()).isEqualTo("/v1/credits/estimate");
        assertThat(Json.MAPPER.readTree(estimate.getBody().utf8()).toString()).isEqualTo("{\"metric_type\":\"memory_documents\","
                + "\"units\":30000,\"item_count\":30000,\"endpoint\":\"/api/v1/memories/batch\",\"mode\":\"long-range\"}");
        assertThat(gateCalls).as("the credit calls do not count against the rate limit").isZero();
    }

    @Test
    void aSynapWithoutCreditsIsUnknownNeverZeroAndAnInstanceThatDoesNotSayHasNoMode() {
        server.enqueue(json(200, "{\"client_id\":\"cli_0123456789abcdef\",\"instance_id\":\"inst_0123456789abcdef\"}"));
        server.enqueue(json(404, "{\"detail\":\"Not Found\"}"));
        server.enqueue(json(404, "{\"detail\":\"Not Found\"}"));
        assertThat(api.whoami().isolation()).isNull();
        assertThat(api.balance()).isEmpty();
        assertThat(api.estimateCredits(10, "fast")).isEmpty();
    }

    @Test
    void aCreditStopSaysWhyTheBalanceWhereToFixItAndThatTheRunResumes() {
        BackfillException paid = SynapErrors.fromStatus(402, "{\"detail\":{\"error\":\"insufficient_credits\",\"reason\":"
                + "\"overages_disabled\",\"balance_credits\":12.5,\"minimum_required_credits\":100,\"manage_url\":\"https://x/billing\"}}",
                null, " [correlation id syn_1]");
        assertThat(paid).isInstanceOf(BlockedException.class);
        assertThat(paid.getMessage()).isEqualTo("Synap stopped ingestion for credits (402 overages_disabled): balance 12.50 credits, this "
                + "call needs 100; manage: https://x/billing; add credits (or allow overage on the plan), then resume the run: it continues "
                + "from its checkpoints [correlation id syn_1]");
        BackfillException trial = SynapErrors.fromStatus(429, "{\"detail\":{\"reason\":\"trial_limit_reached\",\"message\":"
                + "\"Your trial's 5,000 credits are used\",\"upgrade_url\":\"https://x/upgrade\"}}", null, "");
        assertThat(((BlockedException) trial).reason()).isEqualTo(BlockedException.Reason.CREDITS);
        assertThat(trial.getMessage()).contains("(429 trial_limit_reached)").contains("Synap: Your trial's 5,000 credits are used")
                .contains("upgrade: https://x/upgrade");
    }


    /** A Retry-After of a billion seconds: the fleet waits at most the retry budget, and the operator is told so. */
    @Test
    void aHugeRetryAfterIsCappedAndSaid() {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "1000000000").body("{\"detail\":\"slow down\"}").build());
        RetryableException e = catchThrowableOfType(RetryableException.class, () -> api.batchCreate(docs(1)));
        assertThat(e.retryAfter()).contains(Duration.ofMinutes(5));
        assertThat(throttles).containsExactly(Duration.ofMinutes(5));
        assertThat(troubles).singleElement().asString().contains("Synap asked to wait 1,000,000,000 s; waiting 300 s");
        assertThat(sleeps).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMinutes(5)));
    }
}
