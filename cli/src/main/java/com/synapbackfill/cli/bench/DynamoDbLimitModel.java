package com.synapbackfill.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only: an HTTP proxy in front of DynamoDB Local that applies two of DynamoDB's documented per-item limits,
 * which DynamoDB Local models not at all (#33). Clients point their endpoint at {@link #endpoint()}; the real SDK
 * then sees the real errors, and its own retries and the ledger's apply as they would on AWS.
 * <ul>
 *   <li><b>Transaction conflicts.</b> A {@code TransactWriteItems} takes {@code hold} (DynamoDB's latency for a
 *   transaction; its answer waits until then if DynamoDB Local was quicker) and holds each of its items from the
 *   moment it arrives until it is answered. Another
 *   transaction that touches a held item is cancelled ({@code TransactionCanceledException}, reason
 *   {@code TransactionConflict} for that item); a plain write to a held item fails with
 *   {@code TransactionConflictException}. ("Transaction conflict handling", DynamoDB Developer Guide.)</li>
 *   <li><b>Throughput per item.</b> One item sustains at most {@code wcuPerItem} write units a second (1,000 on
 *   AWS): a token bucket per item, full at start, refilled continuously. A plain write of an item costs 1 unit, a
 *   transactional one 2 (items here are under 1 KB). Over it a plain write fails with
 *   {@code ProvisionedThroughputExceededException}, a transaction is cancelled with reason {@code ThrottlingError}.
 *   Refused requests cost nothing.</li>
 * </ul>
 * Reads, and every other operation, pass through untouched.
 */
public final class DynamoDbLimitModel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "com.amazonaws.dynamodb.v20120810#";
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "date");

    /** What the model refused, and what it let through. */
    public record Stats(long transactions, long transactionConflicts, long transactionThrottles, long writes,
                        long writeConflicts, long writeThrottles) {
    }

    private static final class ItemState {
        long heldUntilNanos;
        double tokens;
        long refilledAtNanos;
    }

    private final HttpServer server;
    private final ExecutorService pool;
    private final HttpClient http;
    private final URI target;
    private final long holdNanos;
    private final java.util.function.LongSupplier nanos;
    private final double wcuPerItem;
    private final Map<String, ItemState> items = new HashMap<>();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong txConflicts = new AtomicLong();
    private final AtomicLong txThrottles = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong writeConflicts = new AtomicLong();
    private final AtomicLong writeThrottles = new AtomicLong();

    /**
     * @param target     DynamoDB Local's endpoint
     * @param hold       how long a transaction holds its items at least (DynamoDB's own transaction latency)
     * @param wcuPerItem write units one item sustains a second (1,000 on AWS)
     */
    public static DynamoDbLimitModel start(String target, Duration hold, double wcuPerItem) {
        return start(target, hold, wcuPerItem, System::nanoTime);
    }

    /** @param nanos the model's clock (tests hold it still, or move it by hand) */
    public static DynamoDbLimitModel start(String target, Duration hold, double wcuPerItem, java.util.function.LongSupplier nanos) {
        try {
            return new DynamoDbLimitModel(URI.create(target), hold, wcuPerItem, nanos);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the DynamoDB limit model: " + e.getMessage(), e);
        }
    }

    private DynamoDbLimitModel(URI target, Duration hold, double wcuPerItem, java.util.function.LongSupplier nanos) throws IOException {
        this.nanos = nanos;
        this.target = target;
        this.holdNanos = hold.toNanos();
        this.wcuPerItem = wcuPerItem;
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dynamodb-limit-model");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(pool).build();
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public Stats stats() {
        return new Stats(transactions.get(), txConflicts.get(), txThrottles.get(), writes.get(), writeConflicts.get(),
                writeThrottles.get());
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String targetHeader = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String op = targetHeader == null ? "" : targetHeader.substring(targetHeader.indexOf('.') + 1);
            List<String> keys;
            boolean transaction = "TransactWriteItems".equals(op);
            if (transaction) keys = transactionKeys(JSON.readTree(body));
            else if (Set.of("PutItem", "UpdateItem", "DeleteItem").contains(op)) keys = List.of(writeKey(JSON.readTree(body)));
            else keys = List.of();
            if (keys.isEmpty()) {
                forward(ex, body);
                return;
            }
            long arrived = nanos.getAsLong();
            String refusal = admit(keys, transaction, arrived);
            if (refusal != null) {
                answer(ex, 400, refusal);
                return;
            }
            if (!transaction) {
                forward(ex, body);
                return;
            }
            try {
                forward(ex, body, arrived + holdNanos);
            } finally {
                release(keys, arrived);
            }
        }
    }

    /** Decides, under one lock, whether a write may go on; if so takes its tokens and (a transaction) holds its items. */
    private synchronized String admit(List<String> keys, boolean transaction, long now) {
        List<ItemState> states = new ArrayList<>();
        boolean conflict = false;
        boolean throttle = false;
        double cost = transaction ? 2 : 1;
        boolean[] conflicted = new boolean[keys.size()];
        boolean[] throttled = new boolean[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            ItemState st = items.computeIfAbsent(keys.get(i), k -> {
                ItemState s = new ItemState();
                s.tokens = wcuPerItem;
                s.refilledAtNanos = now;
                return s;
            });
            st.tokens = Math.min(wcuPerItem, st.tokens + (now - st.refilledAtNanos) / 1e9 * wcuPerItem);
            st.refilledAtNanos = now;
            states.add(st);
            if (st.heldUntilNanos - now > 0) conflicted[i] = conflict = true;
            else if (st.tokens < cost) throttled[i] = throttle = true;
        }
        if (transaction) {
            if (conflict || throttle) {
                (conflict ? txConflicts : txThrottles).incrementAndGet();
                return cancelled(conflicted, throttled);
            }
            transactions.incrementAndGet();
            for (ItemState st : states) {
                st.tokens -= cost;
                st.heldUntilNanos = Long.MAX_VALUE; // until DynamoDB Local answers, then at least `hold` after arrival
            }
            return null;
        }
        if (conflict) {
            writeConflicts.incrementAndGet();
            return error("TransactionConflictException", "message", "Transaction is ongoing for the item");
        }
        if (throttle) {
            writeThrottles.incrementAndGet();
            return error("ProvisionedThroughputExceededException", "message", "The level of configured provisioned "
                    + "throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.");
        }
        writes.incrementAndGet();
        states.get(0).tokens -= cost;
        return null;
    }

    private synchronized void release(List<String> keys, long arrived) {
        long until = Math.max(arrived + holdNanos, nanos.getAsLong());
        for (String k : keys) items.get(k).heldUntilNanos = until;
    }

    private static String cancelled(boolean[] conflicted, boolean[] throttled) {
        StringBuilder codes = new StringBuilder();
        List<Map<String, String>> reasons = new ArrayList<>();
        for (int i = 0; i < conflicted.length; i++) {
            String code = conflicted[i] ? "TransactionConflict" : throttled[i] ? "ThrottlingError" : "None";
            Map<String, String> r = new HashMap<>();
            r.put("Code", code);
            if (conflicted[i]) r.put("Message", "Transaction is ongoing for the item");
            if (throttled[i]) r.put("Message", "Throughput exceeds the current capacity for one or more items.");
            reasons.add(r);
            codes.append(i == 0 ? "" : ", ").append(code);
        }
        Map<String, Object> doc = new HashMap<>();
        doc.put("__type", PREFIX + "TransactionCanceledException");
        doc.put("Message", "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]");
        doc.put("CancellationReasons", reasons);
        try {
            return JSON.writeValueAsString(doc);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String error(String type, String messageField, String message) {
        try {
            return JSON.writeValueAsString(Map.of("__type", PREFIX + type, messageField, message));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> transactionKeys(JsonNode req) {
        List<String> out = new ArrayList<>();
        for (JsonNode item : req.path("TransactItems")) {
            for (String kind : new String[] {"Update", "Put", "Delete", "ConditionCheck"}) {
                JsonNode op = item.get(kind);
                if (op != null) out.add(keyOf(op.path("TableName").asText(), "Put".equals(kind) ? op.path("Item") : op.path("Key")));
            }
        }
        return out;
    }

    private static String writeKey(JsonNode req) {
        JsonNode key = req.has("Key") ? req.get("Key") : req.path("Item");
        return keyOf(req.path("TableName").asText(), key);
    }

    /** Table, partition key and sort key: the item's identity whatever order the attributes came in. */
    private static String keyOf(String table, JsonNode key) {
        return table + "|" + key.path("pk") + "|" + key.path("sk");
    }

    private void forward(HttpExchange ex, byte[] body) throws IOException {
        forward(ex, body, Long.MIN_VALUE);
    }

    /**
     * Forwards, and answers no sooner than {@code answerAtNanos}: a transaction takes DynamoDB's time, not DynamoDB
     * Local's, so a worker's next step cannot overlap its own last one.
     */
    private void forward(HttpExchange ex, byte[] body, long answerAtNanos) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(ex.getRequestURI().toString()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase())) for (String v : values) b.header(name, v);
        });
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        r.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase()) && !name.startsWith(":")) ex.getResponseHeaders().put(name, values);
        });
        byte[] out = r.body();
        long early = answerAtNanos == Long.MIN_VALUE ? 0 : answerAtNanos - nanos.getAsLong();
        if (early > 0) {
            try {
                Thread.sleep(early / 1_000_000, (int) (early % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().put("Content-Type", List.of("application/x-amz-json-1.0"));
        ex.getResponseHeaders().put("x-amzn-RequestId", List.of(UUID.randomUUID().toString()));
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
