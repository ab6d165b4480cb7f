package com.synapbackfill.worker;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.synapbackfill.error.PermanentException;
import com.synapbackfill.json.Json;
import com.synapbackfill.report.Receipt;
import com.synapbackfill.report.Receipts;
import com.synapbackfill.report.ReportStore;
import com.synapbackfill.retry.Sleeper;
import com.synapbackfill.synap.IngestionStatus;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@code backfill verify}: did Synap make memories of what the run sent? A run ends when every document is
 * queued; extraction runs afterwards. This draws a uniform random sample of the run's accepted documents from
 * its receipts ({@link Receipts}), asks Synap's status endpoint about each (through the run's rate limiter,
 * so it shares the Instance's limit with running workers), optionally until every one is terminal, and
 * estimates the share of failed extractions for the whole run with a 95 % Wilson interval.
 */
public final class ExtractionVerifier {
    /** Status given to a sampled document Synap does not know (404): accepted, then lost. */
    public static final String NOT_FOUND = "not_found";

    private final Receipts receipts;
    private final ReportStore store;
    private final SynapApi synap;
    private final Clock clock;
    private final Sleeper sleeper;

    public ExtractionVerifier(ReportStore store, SynapApi synap, Clock clock, Sleeper sleeper) {
        this.receipts = new Receipts(store);
        this.store = store;
        this.synap = synap;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * @param sample    documents to draw (ignored with {@code all})
     * @param all       every accepted document
     * @param untilTerminal poll until every sampled document is terminal, or {@code timeout} ({@code --wait})
     * @param timeout   how long {@code untilTerminal} polls
     * @param pollEvery pause between passes over the pending documents
     * @param seed      the sample's random seed (a repeat with the same seed draws the same documents)
     * @param threads   status calls in flight (the rate limiter is the real bound)
     */
    public record Options(int sample, boolean all, boolean untilTerminal, Duration timeout, Duration pollEvery, long seed, int threads) {
        public Options {
            if (sample < 1) throw new IllegalArgumentException("--sample: must be >= 1, was " + sample);
            if (timeout.isNegative()) throw new IllegalArgumentException("--timeout: must not be negative, was " + timeout);
            if (threads < 1) throw new IllegalArgumentException("threads: must be >= 1");
        }

        public static Options defaults() {
            return new Options(400, false, false, Duration.ofMinutes(30), Duration.ofSeconds(2), new Random().nextLong(), 8);
        }
    }

    /** One sampled document, as verify.json lists it. */
    public record Item(@JsonProperty("documentId") String documentId, @JsonProperty("ingestionId") String ingestionId,
                       @JsonProperty("sourceRowId") String sourceRowId, @JsonProperty("shard") int shard,
                       @JsonProperty("status") String status, @JsonProperty("memoriesCreated") int memoriesCreated,
                       @JsonProperty("error") String error) {
        public boolean terminal() {
            return IngestionStatus.terminal(status) || NOT_FOUND.equals(status);
        }
    }

    /** The 95 % interval of a share. */
    public record Interval(@JsonProperty("low") double low, @JsonProperty("high") double high) {
    }

    /**
     * What verify found; its JSON is verify.json.
     *
     * @param population           accepted documents with a receipt (what the sample is drawn from)
     * @param acceptedInLedger     documents the ledger counts as accepted (receipts should cover them)
     * @param alreadyPresent       receipts of documents Synap refused as already present (not verifiable by id)
     * @param byStatus             sampled documents by their last status
     * @param memoriesCreated      memories Synap reports for the sampled documents
     * @param estimatedFailedShare failed extractions among the terminal sampled documents
     * @param ci95                 its 95 % interval for the whole run (exact when the sample is the whole run)
     * @param estimatedPartialShare partial_success among the terminal sampled documents
     * @param timedOut             {@code wait} gave up with documents still pending
     */
    public record Result(@JsonProperty("runId") String runId, @JsonProperty("population") long population,
                         @JsonProperty("acceptedInLedger") long acceptedInLedger, @JsonProperty("alreadyPresent") long alreadyPresent,
                         @JsonProperty("sampled") int sampled, @JsonProperty("seed") long seed,
                         @JsonProperty("byStatus") Map<String, Long> byStatus, @JsonProperty("memoriesCreated") long memoriesCreated,
                         @JsonProperty("estimatedFailedShare") double estimatedFailedShare, @JsonProperty("ci95") Interval ci95,
                         @JsonProperty("estimatedPartialShare") double estimatedPartialShare,
                         @JsonProperty("timedOut") boolean timedOut, @JsonProperty("checkedAt") String checkedAt,
                         @JsonProperty("items") List<Item> items) {
        public long count(String status) {
            return byStatus.getOrDefault(status, 0L);
        }

        public long pending() {
            return count("queued") + count("processing");
        }

        public long problems() {
            return count("failed") + count("partial_success") + count(NOT_FOUND);
        }

        public List<Item> failedItems() {
            return items.stream().filter(i -> !"completed".equals(i.status()) && i.terminal()).toList();
        }

        /** 0 every sampled document completed, 5 any failed, partly failed or unknown to Synap, 3 some still pending. */
        public int exitCode() {
            if (problems() > 0) return 5;
            if (pending() > 0) return 3;
            return 0;
        }
    }

    /** The run's last verify.json, if there is one. */
    public java.util.Optional<Result> last(String runId) {
        try {
            return store.get(key(runId)).map(b -> Json.read(new String(b, java.nio.charset.StandardCharsets.UTF_8), Result.class));
        } catch (IllegalArgumentException unreadable) {
            return java.util.Optional.empty(); // written by another version: draw afresh
        }
    }

    /** Where verify.json of a run goes in the report store. */
    public static String key(String runId) {
        return "runs/" + runId + "/verify.json";
    }

    public Result verify(String runId, long acceptedInLedger, Options o, Consumer<String> progress) throws InterruptedException {
        return verify(runId, acceptedInLedger, o, progress, null);
    }

    /**
     * @param previous an earlier verify of the same sample (same seed and size over the same receipts): its
     *                 terminal documents are kept and only its pending ones asked again (the state machine's
     *                 passes); null or another sample = a fresh draw
     */
    public Result verify(String runId, long acceptedInLedger, Options o, Consumer<String> progress, Result previous)
            throws InterruptedException {
        List<Receipts.Batch> batches = receipts.list(runId);
        long population = 0;
        long present = 0;
        for (Receipts.Batch b : batches) {
            population += b.accepted();
            present += b.present();
        }
        long want = o.all() ? population : Math.min(o.sample(), population);
        boolean same = previous != null && previous.seed() == o.seed() && previous.population() == population
                && previous.items().size() == want;
        List<Item> items = java.util.Collections.synchronizedList(same ? new ArrayList<>(previous.items()) : draw(batches, population, o));
        progress.accept(String.format("sampled %,d of %,d accepted documents with receipts (%,d counted accepted in the ledger)",
                items.size(), population, acceptedInLedger));
        long deadline = clock.millis() + o.timeout().toMillis();
        boolean timedOut = false;
        ExecutorService pool = Executors.newFixedThreadPool(o.threads(), r -> {
            Thread t = new Thread(r, "verify-status");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int pass = 1; ; pass++) {
                poll(items, pool);
                long pending = items.stream().filter(i -> !i.terminal()).count();
                progress.accept(String.format("pass %d: %s", pass, summary(items)));
                if (pending == 0 || !o.untilTerminal()) break;
                if (clock.millis() + o.pollEvery().toMillis() > deadline) {
                    timedOut = true;
                    break;
                }
                sleeper.sleep(o.pollEvery());
            }
        } finally {
            pool.shutdownNow();
        }
        Result r = result(runId, population, acceptedInLedger, present, items, o, timedOut, population == items.size());
        store.put(key(runId), Json.writeBytes(r), "application/json");
        return r;
    }

    /** A uniform sample without replacement of the accepted receipts, reading only the objects it falls into. */
    private List<Item> draw(List<Receipts.Batch> batches, long population, Options o) {
        long n = o.all() ? population : Math.min(o.sample(), population);
        TreeSet<Long> picks = floyd(population, n, new Random(o.seed()));
        List<Item> items = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long start = 0;
        for (Receipts.Batch b : batches) {
            long end = start + b.accepted();
            var inBatch = picks.subSet(start, end);
            if (!inBatch.isEmpty()) {
                List<Receipt> accepted = receipts.read(b).stream().filter(r -> !r.present()).toList();
                for (long index : inBatch) {
                    int k = (int) (index - start);
                    if (k >= accepted.size()) continue; // the name promised more than the object holds
                    Receipt r = accepted.get(k);
                    if (seen.add(r.documentId())) // a document accepted twice (an upsert after a crash) is one document
                        items.add(new Item(r.documentId(), r.ingestionId(), r.sourceRowId(), r.shard(), "unknown", 0, null));
                }
            }
            start = end;
        }
        return items;
    }

    /** Floyd's algorithm: {@code k} distinct numbers in [0, n). */
    static TreeSet<Long> floyd(long n, long k, Random random) {
        TreeSet<Long> out = new TreeSet<>();
        if (k >= n) {
            for (long i = 0; i < n; i++) out.add(i);
            return out;
        }
        for (long j = n - k; j < n; j++) {
            long t = (long) (random.nextDouble() * (j + 1));
            if (!out.add(t)) out.add(j);
        }
        return out;
    }

    private void poll(List<Item> items, ExecutorService pool) throws InterruptedException {
        List<Future<Item>> calls = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).terminal()) continue;
            int at = i;
            calls.add(pool.submit(() -> items.set(at, ask(items.get(at)))));
        }
        for (Future<Item> f : calls) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) throw re;
                throw new IllegalStateException(cause);
            }
        }
    }

    private Item ask(Item it) {
        try {
            IngestionStatus s = synap.status(it.ingestionId());
            return new Item(it.documentId(), it.ingestionId(), it.sourceRowId(), it.shard(), s.status(), s.memoriesCreated(), s.errorMessage());
        } catch (PermanentException e) {
            if (e.kind() != PermanentException.Kind.NOT_FOUND) throw e;
            return new Item(it.documentId(), it.ingestionId(), it.sourceRowId(), it.shard(), NOT_FOUND, 0,
                    "Synap does not know this ingestion id (404)");
        }
    }

    static String summary(List<Item> items) {
        Map<String, Long> by = byStatus(items);
        StringBuilder b = new StringBuilder();
        by.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format("%,d", v)));
        return b.toString();
    }

    private static Map<String, Long> byStatus(List<Item> items) {
        Map<String, Long> by = new TreeMap<>();
        for (Item i : items) by.merge(i.status(), 1L, Long::sum);
        return by;
    }

    private Result result(String runId, long population, long acceptedInLedger, long present, List<Item> items, Options o,
                          boolean timedOut, boolean census) {
        Map<String, Long> by = byStatus(items);
        long memories = items.stream().mapToLong(Item::memoriesCreated).sum();
        long terminal = items.stream().filter(Item::terminal).count();
        long failed = by.getOrDefault("failed", 0L) + by.getOrDefault(NOT_FOUND, 0L);
        long partial = by.getOrDefault("partial_success", 0L);
        double share = terminal == 0 ? 0 : failed / (double) terminal;
        Interval ci = census && terminal == items.size() ? new Interval(share, share) : wilson(failed, terminal);
        return new Result(runId, population, acceptedInLedger, present, items.size(), o.seed(), new LinkedHashMap<>(by), memories, share, ci,
                terminal == 0 ? 0 : partial / (double) terminal, timedOut, clock.instant().toString(), List.copyOf(items));
    }

    /** Wilson score interval at 95 % for {@code x} successes in {@code n} draws ([0, 1] when n = 0). */
    static Interval wilson(long x, long n) {
        if (n == 0) return new Interval(0, 1);
        double z = 1.959963984540054;
        double p = x / (double) n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denom;
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        // exact at the ends (the formula gives them up to rounding)
        return new Interval(x == 0 ? 0 : Math.max(0, centre - half), x == n ? 1 : Math.min(1, centre + half));
    }
}
