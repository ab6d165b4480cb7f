package com.synapbackfill.cli;

import com.synapbackfill.json.Json;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.FailureRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backfill failures RUN}: the rows that did not reach Synap, by reason, from the ledger; optionally exported as JSONL. */
@Command(name = "failures", description = "List a run's failed rows by reason (from the ledger); --export writes them as JSONL.",
        footer = {"", "Reasons: bad_row:<kind> (the row cannot become a document), invalid_input (Synap refused the document),",
                "item_failed (Synap failed the item), source_row_missing (a retry found the row gone). --reason bad_row: matches every kind.",
                "Rows are never stored: re-read them from the source by sourceId.", "", "Examples:",
                "  backfill failures backfill-nov", "  backfill failures backfill-nov --reason bad_row:empty_text --export empty.jsonl",
                "  backfill failures backfill-nov --stack synap-backfill --unresolved --export failures.jsonl"})
final class FailuresCommand extends OperatorCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "run id") String runId;
    @Option(names = "--reason", description = "only this reason (or a prefix ending in ':')") String reason;
    @Option(names = "--unresolved", description = "only failures a retry has not resolved") boolean unresolvedOnly;
    @Option(names = "--export", description = "write the matching failures to this JSONL file, one record per line") Path export;
    @Option(names = "--show", defaultValue = "20", description = "failures to print (default ${DEFAULT-VALUE}; 0 = only counts)") int show;

    @Override
    public Integer call() throws IOException {
        String id = runId(runId);
        try (Target target = Target.open(stack, config(), Target.Access.READ, none())) {
            Ledger ledger = target.ledger();
            if (ledger.run(id).isEmpty()) throw new IllegalArgumentException("runId: no run \"" + id + "\" in the " + target.describe());
            Map<String, long[]> byReason = new TreeMap<>();
            long matched = 0;
            BufferedWriter writer = export == null ? null : Files.newBufferedWriter(export, StandardCharsets.UTF_8);
            try {
                String after = null;
                while (true) {
                    List<FailureRecord> page = ledger.failures(id, after, 500);
                    if (page.isEmpty()) break;
                    for (FailureRecord f : page) {
                        if (!matches(f)) continue;
                        matched++;
                        long[] counts = byReason.computeIfAbsent(f.errorClass(), k -> new long[2]);
                        counts[f.resolved() ? 1 : 0]++;
                        if (writer != null) {
                            writer.write(Json.write(f));
                            writer.newLine();
                        }
                        if (matched <= show) out.printf("  %-40s row %-14s %-26s x%d %s%s%n", f.key(), f.sourceId(), f.errorClass(),
                                f.attempts(), f.resolved() ? "[resolved] " : "", f.message());
                    }
                    after = page.get(page.size() - 1).key();
                }
            } finally {
                if (writer != null) writer.close();
            }
            if (matched > show && show > 0) out.printf("  ... %,d more%n", matched - show);
            out.printf("Run %s: %,d failures%s%n", id, matched, reason == null ? "" : " with reason " + reason);
            byReason.forEach((k, v) -> out.printf("  %-32s %,8d unresolved %,8d resolved%n", k, v[0], v[1]));
            if (export != null) out.println("Exported to " + export.toAbsolutePath());
            return BackfillCommand.OK;
        }
    }

    private boolean matches(FailureRecord f) {
        return !(unresolvedOnly && f.resolved()) && f.hasReason(reason);
    }
}
