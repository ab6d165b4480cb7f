package com.synapbackfill.emulator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how many batch calls of 100 small documents per second the emulator answers at zero latency and
 * no limit, so the project's own benchmarks can show the emulator is never their bottleneck.
 */
public final class EmulatorThroughput {
    private EmulatorThroughput() {
    }

    /** Result: calls per second over the measured span, after a warm-up. */
    public record Result(double callsPerSecond, long calls, int clients, double seconds) {
    }

    public static Result measure(int clients, Duration warmup, Duration span) throws Exception {
        try (SynapEmulator emu = SynapEmulator.start(EmulatorSettings.builder().rateLimitPerMinute(0).build())) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            AtomicLong calls = new AtomicLong();
            AtomicLong seq = new AtomicLong();
            long warmEnd = System.nanoTime() + warmup.toNanos();
            long end = warmEnd + span.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                fs.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        StringBuilder b = new StringBuilder("{\"documents\":[");
                        for (int i = 0; i < 100; i++) {
                            if (i > 0) b.append(',');
                            b.append("{\"document\":\"User: hello there\\nAssistant: hi, noted\",\"document_type\":\"ai-chat-conversation\",")
                                    .append("\"document_id\":\"bench:").append(seq.incrementAndGet()).append("\",\"document_created_at\":\"2025-01-01T00:00:00Z\",")
                                    .append("\"user_id\":\"u-1\",\"customer_id\":null,\"mode\":\"long-range\",\"metadata\":{\"source\":\"backfill\"}}");
                        }
                        b.append("],\"fail_fast\":false}");
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/api/v1/memories/batch"))
                                .header("Authorization", "Bearer " + EmulatorSettings.DEFAULT_API_KEY)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 200) throw new IllegalStateException("emulator answered " + r.statusCode());
                        long now = System.nanoTime();
                        if (now > warmEnd && now < end) calls.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            pool.shutdown();
            double seconds = span.toNanos() / 1e9;
            return new Result(calls.get() / seconds, calls.get(), clients, seconds);
        }
    }

    public static void main(String[] args) throws Exception {
        Result r = measure(args.length > 0 ? Integer.parseInt(args[0]) : 8, Duration.ofSeconds(3), Duration.ofSeconds(10));
        System.out.printf("emulator: %.0f batch calls/s of 100 documents (%d clients, %d calls in %.0f s)%n",
                r.callsPerSecond(), r.clients(), r.calls(), r.seconds());
    }
}
