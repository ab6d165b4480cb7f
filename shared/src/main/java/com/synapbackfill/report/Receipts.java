package com.synapbackfill.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.synapbackfill.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Receipts as gzip-compressed JSON lines in the report store, one object per step that Synap answered:
 * {@code runs/RUN/receipts/shard-00003/1764652800123-5f2a9c1e-a100-p0.jsonl.gz}. An object is never
 * rewritten (a step that runs again after a crash writes a second one), and its name carries its counts
 * of accepted and already-present documents, so a uniform sample of a run's accepted documents needs only a
 * listing and the objects the sample falls into: a 10-million-document run has ~100,000 objects of ~3 KB.
 */
public final class Receipts implements ReceiptLog {
    private static final Pattern NAME = Pattern.compile(".*/shard-(\\d+)/\\d+-[0-9a-f]+-a(\\d+)-p(\\d+)\\.jsonl\\.gz");

    private final ReportStore store;

    public Receipts(ReportStore store) {
        this.store = store;
    }

    public static String prefix(String runId) {
        return "runs/" + runId + "/receipts/";
    }

    @Override
    public void record(String runId, int shardNo, List<Receipt> receipts) {
        if (receipts.isEmpty()) return;
        int accepted = 0;
        for (Receipt r : receipts) if (!r.present()) accepted++;
        String key = String.format("%sshard-%05d/%d-%08x-a%d-p%d.jsonl.gz", prefix(runId), shardNo, System.currentTimeMillis(),
                ThreadLocalRandom.current().nextInt(), accepted, receipts.size() - accepted);
        store.put(key, encode(receipts), "application/gzip");
    }

    /** One stored object: its key and what its name says it holds. */
    public record Batch(String key, int shard, int accepted, int present) {
    }

    /** Every receipt object of a run, in key order. */
    public List<Batch> list(String runId) {
        List<Batch> out = new ArrayList<>();
        for (String key : store.list(prefix(runId))) {
            Matcher m = NAME.matcher(key);
            if (m.matches()) out.add(new Batch(key, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        }
        return out;
    }

    public List<Receipt> read(Batch batch) {
        byte[] bytes = store.get(batch.key()).orElseThrow(() -> new IllegalStateException("receipt object vanished: " + batch.key()));
        return decode(bytes);
    }

    static byte[] encode(List<Receipt> receipts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * receipts.size() / 2 + 64);
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
            for (Receipt r : receipts) {
                ObjectNode n = Json.MAPPER.createObjectNode().put("documentId", r.documentId()).put("ingestionId", r.ingestionId())
                        .put("sourceRowId", r.sourceRowId()).put("shard", r.shard());
                if (r.present()) n.put("present", true);
                w.write(Json.MAPPER.writeValueAsString(n));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<Receipt> decode(byte[] gz) {
        List<Receipt> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                JsonNode n = Json.MAPPER.readTree(line);
                out.add(new Receipt(n.path("documentId").asText(null), n.path("ingestionId").asText(null),
                        n.path("sourceRowId").asText(null), n.path("shard").asInt(), n.path("present").asBoolean(false)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("receipts are not readable gzip JSON lines: " + e.getMessage(), e);
        }
        return out;
    }
}
