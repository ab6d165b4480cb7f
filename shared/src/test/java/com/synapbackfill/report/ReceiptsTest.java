package com.synapbackfill.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiptsTest {
    private static List<Receipt> step(int shard, int accepted, int present) {
        List<Receipt> out = new ArrayList<>();
        for (int i = 0; i < accepted + present; i++)
            out.add(new Receipt("backfill:c" + shard + ":" + i, java.util.UUID.randomUUID().toString(), "row-" + i, shard, i >= accepted));
        return out;
    }

    @Test
    void aStepRoundTripsAsGzipJsonLinesAndItsNameCarriesItsCounts() {
        InMemoryReportStore store = new InMemoryReportStore();
        Receipts receipts = new Receipts(store);
        List<Receipt> a = step(3, 98, 2);
        List<Receipt> b = step(12, 5, 0);
        receipts.record("run-1", 3, a);
        receipts.record("run-1", 12, b);
        receipts.record("run-1", 4, List.of()); // nothing answered: nothing written
        receipts.record("run-2", 3, step(3, 1, 0));
        List<Receipts.Batch> batches = receipts.list("run-1");
        assertThat(batches).extracting(Receipts.Batch::shard).containsExactly(3, 12);
        assertThat(batches).extracting(Receipts.Batch::accepted).containsExactly(98, 5);
        assertThat(batches).extracting(Receipts.Batch::present).containsExactly(2, 0);
        assertThat(receipts.read(batches.get(0))).isEqualTo(a);
        assertThat(receipts.read(batches.get(1))).isEqualTo(b);
        // compressed: a 100-document step stays a few KB
        assertThat(store.get(batches.get(0).key()).orElseThrow().length).isLessThan(100 * 60);
    }

    @Test
    void theFileStoreListsWhatItWroteAndNeverAHalfWrittenObject() throws Exception {
        Path dir = Files.createTempDirectory("receipts");
        FileReportStore store = new FileReportStore(dir);
        Receipts receipts = new Receipts(store);
        receipts.record("run-1", 0, step(0, 3, 1));
        Files.writeString(dir.resolve("runs/run-1/receipts/shard-00000/partial.jsonl.gz.tmp"), "x");
        store.put("runs/run-1/report.json", "{}".getBytes(), "application/json");
        assertThat(store.list("runs/run-1/receipts/")).hasSize(1).allMatch(k -> k.startsWith("runs/run-1/receipts/shard-00000/"));
        assertThat(store.list("runs/run-1/")).hasSize(2);
        assertThat(store.list("runs/none/")).isEmpty();
        assertThat(receipts.read(receipts.list("run-1").get(0))).hasSize(4).filteredOn(Receipt::present).hasSize(1);
    }
}
