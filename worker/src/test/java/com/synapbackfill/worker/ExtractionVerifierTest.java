package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.error.PermanentException;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.report.InMemoryReportStore;
import com.synapbackfill.report.Receipt;
import com.synapbackfill.report.Receipts;
import com.synapbackfill.synap.BatchResult;
import com.synapbackfill.synap.IngestionStatus;
import com.synapbackfill.synap.SynapApi;
import com.synapbackfill.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ExtractionVerifierTest {
    /** Answers each ingestion id with a status script: the n-th ask gets the n-th entry (the last one repeats). */
    static final class ScriptedSynap implements SynapApi {
        final Map<String, List<String>> script = new HashMap<>();
        final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();

        @Override
        public IngestionStatus status(String ingestionId) {
            List<String> s = script.get(ingestionId);
            if (s == null) throw new PermanentException(PermanentException.Kind.NOT_FOUND, "HTTP 404", 404, "Ingestion not found", null);
            int n = asked.computeIfAbsent(ingestionId, k -> new AtomicInteger()).getAndIncrement();
            String status = s.get(Math.min(n, s.size() - 1));
            boolean bad = status.equals("failed") || status.equals("partial_success");
            return new IngestionStatus(ingestionId, "doc-" + ingestionId, status, status.equals("completed") ? 2 : status.equals("partial_success") ? 1 : 0,
                    List.of(), bad ? "extraction " + status : null);
        }

        @Override
        public BatchResult batchCreate(List<MemoryDocument> documents) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Identity whoami() {
            throw new UnsupportedOperationException();
        }
    }

    private static final MutableClock CLOCK = new MutableClock(java.time.Instant.ofEpochMilli(1_764_650_000_000L));

    /** {@code n} accepted receipts in steps of 100 (and one present receipt per step), scripted as {@code status}. */
    static InMemoryReportStore run(int n, ScriptedSynap synap, java.util.function.IntFunction<List<String>> status) {
        InMemoryReportStore store = new InMemoryReportStore();
        Receipts receipts = new Receipts(store);
        for (int from = 0; from < n; from += 100) {
            List<Receipt> step = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 100); i++) {
                String id = String.format("00000000-0000-4000-8000-%012d", i);
                step.add(new Receipt("doc-" + id, id, "row-" + i, from / 100, false));
                synap.script.put(id, status.apply(i));
            }
            step.add(new Receipt("doc-present-" + from, String.format("99999999-0000-4000-8000-%012d", from), "row-p" + from, from / 100, true));
            receipts.record("r1", from / 100, step);
        }
        return store;
    }

    private ExtractionVerifier verifier(InMemoryReportStore store, SynapApi synap, List<Duration> slept) {
        return new ExtractionVerifier(store, synap, CLOCK, d -> {
            slept.add(d);
            CLOCK.advance(d);
        });
    }

    private static ExtractionVerifier.Options opts(int sample, boolean all, boolean wait, Duration timeout, long seed) {
        return new ExtractionVerifier.Options(sample, all, wait, timeout, Duration.ofSeconds(2), seed, 4);
    }

    @Test
    void aSampleIsDistinctAcceptedDocumentsOnlyAndTheSameSeedDrawsTheSameOnes() throws Exception {
        ScriptedSynap synap = new ScriptedSynap();
        InMemoryReportStore store = run(1_050, synap, i -> List.of("completed"));
        List<Duration> slept = new ArrayList<>();
        ExtractionVerifier.Result a = verifier(store, synap, slept).verify("r1", 1_050, opts(400, false, false, Duration.ZERO, 9), l -> { });
        ExtractionVerifier.Result b = verifier(store, synap, slept).verify("r1", 1_050, opts(400, false, false, Duration.ZERO, 9), l -> { });
        assertThat(a.population()).isEqualTo(1_050);
        assertThat(a.alreadyPresent()).isEqualTo(11);
        assertThat(a.items()).hasSize(400).extracting(ExtractionVerifier.Item::documentId).doesNotHaveDuplicates()
                .noneMatch(d -> d.startsWith("doc-present"));
        assertThat(b.items()).extracting(ExtractionVerifier.Item::documentId)
                .containsExactlyElementsOf(a.items().stream().map(ExtractionVerifier.Item::documentId).toList());
        assertThat(a.exitCode()).isZero();
        assertThat(a.byStatus()).containsExactly(Map.entry("completed", 400L));
        assertThat(a.memoriesCreated()).isEqualTo(800);
        assertThat(store.get(ExtractionVerifier.key("r1"))).isPresent();
    }

    @Test
    void waitPollsOnlyThePendingUntilTerminalAndTheTimeoutEndsWithExitThree() throws Exception {
        ScriptedSynap synap = new ScriptedSynap();
        // every 10th document is still processing for two more asks; document 7 never finishes
        InMemoryReportStore store = run(100, synap, i -> i == 7 ? List.of("processing")
                : i % 10 == 0 ? List.of("queued", "processing", "completed") : List.of(i % 25 == 1 ? "failed" : "completed"));
        List<Duration> slept = new ArrayList<>();
        ExtractionVerifier.Result r = verifier(store, synap, slept).verify("r1", 100, opts(400, true, true, Duration.ofSeconds(9), 1), l -> { });
        assertThat(r.timedOut()).isTrue();
        assertThat(r.count("processing")).isEqualTo(1);
        assertThat(r.count("failed")).isEqualTo(4);
        assertThat(r.exitCode()).as("a failure is known: 5 wins over pending").isEqualTo(5);
        assertThat(synap.asked.get(String.format("00000000-0000-4000-8000-%012d", 10)).get()).isEqualTo(3);
        assertThat(synap.asked.get(String.format("00000000-0000-4000-8000-%012d", 11)).get()).as("terminal: asked once").isEqualTo(1);
        assertThat(slept).hasSize(4).allMatch(d -> d.equals(Duration.ofSeconds(2)));

        ScriptedSynap pendingOnly = new ScriptedSynap();
        InMemoryReportStore store2 = run(50, pendingOnly, i -> i < 3 ? List.of("queued") : List.of("completed"));
        ExtractionVerifier.Result p = verifier(store2, pendingOnly, new ArrayList<>()).verify("r1", 50, opts(400, false, false, Duration.ZERO, 1), l -> { });
        assertThat(p.timedOut()).isFalse();
        assertThat(p.pending()).isEqualTo(3);
        assertThat(p.exitCode()).isEqualTo(3);
    }

    @Test
    void anIdSynapDoesNotKnowIsAProblemNotAnError() throws Exception {
        ScriptedSynap synap = new ScriptedSynap();
        InMemoryReportStore store = run(20, synap, i -> List.of("completed"));
        synap.script.remove(String.format("00000000-0000-4000-8000-%012d", 5));
        ExtractionVerifier.Result r = verifier(store, synap, new ArrayList<>()).verify("r1", 20, opts(400, true, false, Duration.ZERO, 1), l -> { });
        assertThat(r.count(ExtractionVerifier.NOT_FOUND)).isEqualTo(1);
        assertThat(r.failedItems()).singleElement().satisfies(i -> assertThat(i.sourceRowId()).isEqualTo("row-5"));
        assertThat(r.exitCode()).isEqualTo(5);
        // a census: the share is exact
        assertThat(r.estimatedFailedShare()).isEqualTo(1 / 20.0);
        assertThat(r.ci95().low()).isEqualTo(r.ci95().high()).isEqualTo(1 / 20.0);
    }

    @Test
    void floydDrawsDistinctUniformIndicesAndWilsonMatchesTheTextbook() {
        Random random = new Random(3);
        int[] hits = new int[10];
        for (int rep = 0; rep < 20_000; rep++) {
            TreeSet<Long> s = ExtractionVerifier.floyd(10, 3, random);
            assertThat(s).hasSize(3).allMatch(x -> x >= 0 && x < 10);
            s.forEach(x -> hits[x.intValue()]++);
        }
        for (int h : hits) assertThat(h).isBetween(5_600, 6_400); // 6,000 expected each
        assertThat(ExtractionVerifier.floyd(5, 9, random)).containsExactly(0L, 1L, 2L, 3L, 4L);
        // Wilson 95 % for 8 of 400: [0.0102, 0.0390]
        ExtractionVerifier.Interval w = ExtractionVerifier.wilson(8, 400);
        assertThat(w.low()).isBetween(0.0101, 0.0103);
        assertThat(w.high()).isBetween(0.0389, 0.0391);
        assertThat(ExtractionVerifier.wilson(0, 400).low()).isZero();
        assertThat(ExtractionVerifier.wilson(0, 0)).isEqualTo(new ExtractionVerifier.Interval(0, 1));
    }
}
