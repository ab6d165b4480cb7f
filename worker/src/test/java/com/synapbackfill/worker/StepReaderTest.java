package com.synapbackfill.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.DocumentMapper.Mapped;
import com.synapbackfill.source.SourceConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The steps of a shard, table-driven over page size × batch size × byte cap × where the bad and skipped rows
 * are: every row is covered by exactly one step, in order; checkpoints only grow; a step never exceeds the
 * batch size or the byte cap (a single document may); only the final step says "last" (or, after a full last page, an
 * empty read says "nothing"); and with a generous
 * byte cap every call but the shard's last is full, whatever the page size (partial tails are carried over).
 */
class StepReaderTest {
    static final int ROWS = 437;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<Set<Integer>> bads = List.of(Set.of(), Set.of(1), Set.of(100, 101, 102), Set.of(ROWS), Set.of(50, 250, 436));
        for (int page : new int[] {1, 7, 100, 250, 1000})
            for (int batch : new int[] {1, 3, 100})
                for (int cap : new int[] {16 * 1024, 64 * 1024, 6 * 1024 * 1024})
                    for (int b = 0; b < bads.size(); b++) out.add(Arguments.of(page, batch, cap, bads.get(b), b % 2 == 1));
        return out.stream();
    }

    /** Row i: bad (no text) when in {@code bad}; skipped every 9th when {@code skips}; every 40th about 9 KB. */
    static List<Turn> rows(Set<Integer> bad, boolean skips) {
        List<Turn> out = new ArrayList<>();
        for (int i = 1; i <= ROWS; i++) {
            String text = i % 40 == 0 ? "big ".repeat(2_300) + i : "hello " + i;
            boolean skipped = skips && i % 9 == 0;
            out.add(new Turn(Integer.toString(i), "u-1", null, "0c6e1f5a-2b8d-4c3e-9a7f-1d2e3f405162", (long) i,
                    bad.contains(i) ? null : text, bad.contains(i) ? null : "hi", Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i), skipped));
        }
        return out;
    }

    @ParameterizedTest(name = "page {0}, batch {1}, cap {2}, bad {3}, skips {4}")
    @MethodSource("cases")
    void everyRowOnceInOrderWithinTheLimits(int page, int batch, int cap, Set<Integer> bad, boolean skips) {
        List<Turn> rows = rows(bad, skips);
        RunConfig cfg = RunConfig.builder(SourceConfig.of("turns")).pageSize(page).batchSize(batch).maxBatchBytes(cap)
                .maxDocumentBytes(Math.min(256 * 1024, cap - 1024)).build();
        DocumentMapper mapper = new DocumentMapper(cfg, "run-steps");
        Fakes.Source source = new Fakes.Source(rows);
        int[] betweenPages = {0};
        StepReader reader = new StepReader(source, new Shard("run-steps", 0, "1", false, Integer.toString(ROWS), IdType.BIGINT), null,
                mapper, page, batch, cap, () -> betweenPages[0]++);
        List<StepReader.Next> steps = new ArrayList<>();
        StepReader.Next n;
        while ((n = reader.next()).step() != null) {
            steps.add(n);
            if (n.last()) break;
        }
        assertThat(steps).isNotEmpty();
        // the shard's end: the final step says so, or (when the last page was full) an empty page after it does
        assertThat(steps.get(steps.size() - 1).last() || n == StepReader.Next.NOTHING).as("the end is told").isTrue();
        assertThat(steps.subList(0, steps.size() - 1)).as("no other step says last").noneMatch(StepReader.Next::last);
        assertThat(reader.next()).as("nothing after the last").isEqualTo(StepReader.Next.NOTHING);
        assertThat(betweenPages[0]).isEqualTo(source.pagesRead - 1);

        int previous = 0;
        List<String> documents = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        for (StepReader.Next x : steps) {
            Batches.Step s = x.step();
            int last = Integer.parseInt(s.lastId());
            assertThat(last).as("checkpoints grow").isGreaterThan(previous);
            assertThat(s.rows()).as("step to " + last + " covers exactly the rows after the previous checkpoint").isEqualTo(last - previous);
            for (Mapped m : s.documents()) assertThat(Integer.parseInt(m.turn().id())).isBetween(previous + 1, last);
            for (Mapped m : s.rejected()) assertThat(Integer.parseInt(m.turn().id())).isBetween(previous + 1, last);
            assertThat(s.documents().size()).isLessThanOrEqualTo(batch);
            if (s.documents().size() > 1) assertThat(Batches.bytes(s)).as("byte cap").isLessThanOrEqualTo(cap);
            s.documents().forEach(m -> documents.add(m.turn().id()));
            s.rejected().forEach(m -> rejected.add(m.turn().id()));
            previous = last;
        }
        assertThat(previous).isEqualTo(ROWS);
        List<String> good = rows.stream().filter(t -> !t.skipped() && !bad.contains(Integer.parseInt(t.id()))).map(Turn::id).toList();
        assertThat(documents).as("every good row once, in order").containsExactlyElementsOf(good);
        assertThat(rejected).containsExactlyElementsOf(rows.stream().filter(t -> !t.skipped() && bad.contains(Integer.parseInt(t.id())))
                .map(Turn::id).toList());
        if (cap >= 6 * 1024 * 1024) {
            List<Batches.Step> calls = steps.stream().map(StepReader.Next::step).filter(s -> !s.documents().isEmpty()).toList();
            assertThat(calls.subList(0, calls.size() - 1)).as("calls stay full across page ends")
                    .allMatch(s -> s.documents().size() == batch);
        }
    }
}
