package com.synapbackfill.cli;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.MemoryDocument;
import com.synapbackfill.model.Turn;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceProfile;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code estimate} learns from a turn table: rows sampled at ids spread over the whole range, rendered and
 * validated as a run would (nothing sent): bad rows by reason, rows the filter or cutover skips, document sizes,
 * and the first valid documents for {@code --send}.
 */
final class TurnSample extends TableSample {
    final List<MemoryDocument> toSend = new ArrayList<>();
    long sampled;
    long skipped;

    private TurnSample(SourceProfile profile, boolean customerMapped) {
        super(profile, customerMapped);
    }

    /** Up to {@code size} rows (none when the table is empty), keeping the first {@code send} valid documents. */
    static TurnSample take(JdbcTurnSource src, DocumentMapper mapper, int size, int send) {
        TurnSample s = new TurnSample(src.profile(), src.customerMapped());
        if (s.profile.empty()) return s;
        List<String> ids = src.sampleIds(size);
        if (ids.size() > size) {
            List<String> spread = new ArrayList<>(size);
            for (int i = 0; i < size; i++) spread.add(ids.get((int) ((long) i * ids.size() / size)));
            ids = spread;
        }
        for (int i = 0; i < ids.size(); i += 1000) {
            for (Turn t : src.readByIds(ids.subList(i, Math.min(ids.size(), i + 1000)))) s.tally(t, mapper, send);
        }
        return s;
    }

    private void tally(Turn t, DocumentMapper mapper, int send) {
        sampled++;
        if (t.skipped()) {
            skipped++;
            return;
        }
        DocumentMapper.Mapped m = mapper.map(t);
        if (m.ok()) {
            docBytes += Json.writeBytes(m.document()).length;
            if (toSend.size() < send) toSend.add(m.document());
        } else {
            bad.merge(m.reason().errorClass(), 1L, Long::sum);
        }
    }

    long validRows() {
        return sampled - skipped - bad.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The share of sampled rows that would become documents. */
    double validShare() {
        return sampled == 0 ? 0 : (double) validRows() / sampled;
    }

    void print(PrintStream out, SourceConfig source) {
        out.printf("Table %s: ~%s (%s), ids %s..%s (%s); sampled %s%n", source.name(), count(profile.estimatedRows(), "row"), countSource(),
                profile.minId(), profile.maxId(), profile.idType(), count(sampled, "row"));
        if (skipped > 0) out.printf("  skipped %,d (%.1f%%) by the filter or cutover%n", skipped, 100.0 * skipped / sampled);
        long validRows = validRows();
        out.printf("  valid %,d (%.1f%%), average document %,d bytes%n", validRows, 100 * validShare(), validRows == 0 ? 0 : docBytes / validRows);
        bad.forEach((reason, n) -> out.printf("  %-36s %,8d%n", reason, n));
    }
}
