package com.synapbackfill.emulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of everything the emulator saw and did. Thread-safe; {@link #snapshot()} for tests and /_emulator/stats. */
public final class EmulatorStats {
    final LongAdder batchCalls = new LongAdder();
    final LongAdder createCalls = new LongAdder();
    final LongAdder documentsReceived = new LongAdder();
    final LongAdder accepted = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder updates = new LongAdder();
    final LongAdder itemFailures = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder acceptedThenSlow = new LongAdder();
    final LongAdder latencySpikes = new LongAdder();
    final LongAdder statusCalls = new LongAdder();
    final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    final AtomicLong maxConcurrent = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();

    void status(int status) {
        byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    void enter() {
        long now = inFlight.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /** A consistent-enough copy of the counters, keyed as /_emulator/stats answers them. */
    public Snapshot snapshot() {
        Map<Integer, Long> statuses = new TreeMap<>();
        byStatus.forEach((k, v) -> statuses.put(k, v.sum()));
        return new Snapshot(batchCalls.sum(), createCalls.sum(), documentsReceived.sum(), accepted.sum(),
                duplicates.sum(), updates.sum(), itemFailures.sum(), rateLimited.sum(), dropped.sum(),
                acceptedThenSlow.sum(), latencySpikes.sum(), statuses, maxConcurrent.get(), statusCalls.sum());
    }

    /**
     * @param accepted   documents stored for the first time (new memories)
     * @param duplicates documents refused because their document_id was already stored
     * @param updates    documents that updated a stored one (duplicate policy UPSERT)
     * @param statusCalls status (ingestion) lookups answered, refused ones included
     */
    public record Snapshot(long batchCalls, long createCalls, long documentsReceived, long accepted, long duplicates,
                           long updates, long itemFailures, long rateLimited, long dropped, long acceptedThenSlow,
                           long latencySpikes, Map<Integer, Long> responsesByStatus, long maxConcurrentCalls, long statusCalls) {
        public long status(int code) {
            return responsesByStatus.getOrDefault(code, 0L);
        }
    }
}
