package com.synapbackfill.config;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * What the ledger and the limiter cost in DynamoDB request units, counted from DynamoDB's own answers: an
 * interceptor on the one DynamoDB client asks every item operation for {@code ReturnConsumedCapacity=TOTAL} and
 * adds up what comes back. A call that fails (a write whose condition fails, a cancelled transaction, a throttle)
 * throws and reports nothing, though DynamoDB charges a failed condition one unit per KB, so the totals are a
 * floor; {@link Totals#failedCalls()} counts those calls.
 */
public final class DynamoDbCapacity implements ExecutionInterceptor {
    /** On-demand prices, us-east-1, from November 2024: $0.625 per million write and $0.125 per million read units. */
    public static final double USD_PER_MILLION_WRITE_UNITS = 0.625;
    public static final double USD_PER_MILLION_READ_UNITS = 0.125;

    private final DoubleAdder writeUnits = new DoubleAdder();
    private final DoubleAdder readUnits = new DoubleAdder();
    private final LongAdder calls = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final java.util.concurrent.ConcurrentHashMap<String, DoubleAdder> byOperation = new java.util.concurrent.ConcurrentHashMap<>();

    /** Totals so far. */
    public record Totals(double writeUnits, double readUnits, long calls, long failedCalls) {
        public Totals minus(Totals earlier) {
            return new Totals(writeUnits - earlier.writeUnits, readUnits - earlier.readUnits, calls - earlier.calls,
                    failedCalls - earlier.failedCalls);
        }

        public double dollars() {
            return writeUnits / 1e6 * USD_PER_MILLION_WRITE_UNITS + readUnits / 1e6 * USD_PER_MILLION_READ_UNITS;
        }
    }

    public Totals totals() {
        return new Totals(writeUnits.sum(), readUnits.sum(), calls.sum(), failed.sum());
    }

    /** Units by operation name (TransactWriteItems, UpdateItem, ...), since this meter was built. */
    public Map<String, Double> byOperation() {
        Map<String, Double> out = new java.util.TreeMap<>();
        byOperation.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    // ---------------------------------------------------------------- writes per item (#33)

    /** item key → epoch second → writes and write units asked of it (a write whose condition fails counts: DynamoDB charges it) */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.ConcurrentHashMap<Long, double[]>> heat =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean metering;

    /**
     * The hottest item over the metered interval: the most writes one item took within one second, and the most write units
     * (a transactional write costs 2 per item, a plain one 1, items here are under 1 KB).
     */
    public record Hottest(String item, double writesPerSecond, double wcuPerSecond, String wcuItem) {
    }

    /** Starts metering writes per item, forgetting what was metered before. */
    public void meterItems() {
        heat.clear();
        metering = true;
    }

    /** Stops metering and answers the hottest item seen since {@link #meterItems()}. */
    public Hottest hottestItem() {
        metering = false;
        String item = null;
        String wcuItem = null;
        double writes = 0;
        double wcu = 0;
        for (var e : heat.entrySet()) {
            for (double[] v : e.getValue().values()) {
                if (v[0] > writes) {
                    writes = v[0];
                    item = e.getKey();
                }
                if (v[1] > wcu) {
                    wcu = v[1];
                    wcuItem = e.getKey();
                }
            }
        }
        return new Hottest(item, writes, wcu, wcuItem);
    }

    /** Writes asked of one item (its key as {@link Hottest#item()} names it: "pk sk") since {@link #meterItems()}. */
    public long writesTo(String item) {
        var seconds = heat.get(item);
        if (seconds == null) return 0;
        return (long) seconds.values().stream().mapToDouble(v -> v[0]).sum();
    }

    private void written(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> key, double units) {
        if (key == null) return;
        var pk = key.get("pk");
        var sk = key.get("sk");
        String k = (pk == null ? "?" : pk.s()) + (sk == null ? "" : " " + sk.s());
        double[] cell = heat.computeIfAbsent(k, x -> new java.util.concurrent.ConcurrentHashMap<>())
                .computeIfAbsent(System.currentTimeMillis() / 1000, x -> new double[2]);
        synchronized (cell) {
            cell[0] += 1;
            cell[1] += units;
        }
    }

    private void meter(SdkRequest r) {
        if (r instanceof PutItemRequest p) written(keyOf(p.item()), 1);
        else if (r instanceof UpdateItemRequest u) written(u.key(), 1);
        else if (r instanceof DeleteItemRequest d) written(d.key(), 1);
        else if (r instanceof TransactWriteItemsRequest t) {
            for (var item : t.transactItems()) {
                if (item.update() != null) written(item.update().key(), 2);
                else if (item.put() != null) written(keyOf(item.put().item()), 2);
                else if (item.delete() != null) written(item.delete().key(), 2);
                else if (item.conditionCheck() != null) written(item.conditionCheck().key(), 2);
            }
        } else if (r instanceof BatchWriteItemRequest b) {
            b.requestItems().values().forEach(list -> list.forEach(w -> {
                if (w.putRequest() != null) written(keyOf(w.putRequest().item()), 1);
                else if (w.deleteRequest() != null) written(w.deleteRequest().key(), 1);
            }));
        }
    }

    private static Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> keyOf(
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        if (item == null || !item.containsKey("pk")) return null;
        return item.containsKey("sk") ? Map.of("pk", item.get("pk"), "sk", item.get("sk")) : Map.of("pk", item.get("pk"));
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        if (metering) meter(r);
        ReturnConsumedCapacity total = ReturnConsumedCapacity.TOTAL;
        if (r instanceof PutItemRequest p) return p.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof UpdateItemRequest u) return u.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof DeleteItemRequest d) return d.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof GetItemRequest g) return g.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof QueryRequest q) return q.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof ScanRequest s) return s.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof TransactWriteItemsRequest t) return t.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof TransactGetItemsRequest t) return t.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof BatchWriteItemRequest b) return b.toBuilder().returnConsumedCapacity(total).build();
        if (r instanceof BatchGetItemRequest b) return b.toBuilder().returnConsumedCapacity(total).build();
        return r;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        calls.increment();
        SdkResponse r = context.response();
        String op = r.getClass().getSimpleName().replace("Response", "");
        if (r instanceof PutItemResponse p) add(op, p.consumedCapacity(), true);
        else if (r instanceof UpdateItemResponse u) add(op, u.consumedCapacity(), true);
        else if (r instanceof DeleteItemResponse d) add(op, d.consumedCapacity(), true);
        else if (r instanceof GetItemResponse g) add(op, g.consumedCapacity(), false);
        else if (r instanceof QueryResponse q) add(op, q.consumedCapacity(), false);
        else if (r instanceof ScanResponse s) add(op, s.consumedCapacity(), false);
        else if (r instanceof TransactWriteItemsResponse t) addAll(op, t.consumedCapacity(), true);
        else if (r instanceof TransactGetItemsResponse t) addAll(op, t.consumedCapacity(), false);
        else if (r instanceof BatchWriteItemResponse b) addAll(op, b.consumedCapacity(), true);
        else if (r instanceof BatchGetItemResponse b) addAll(op, b.consumedCapacity(), false);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        calls.increment();
        failed.increment();
    }

    private void addAll(String op, List<ConsumedCapacity> list, boolean write) {
        if (list != null) list.forEach(c -> add(op, c, write));
    }

    /** TOTAL answers the aggregate units; the read/write split when DynamoDB gives it, else the operation's kind. */
    private void add(String op, ConsumedCapacity c, boolean write) {
        if (c == null) return;
        Double w = c.writeCapacityUnits();
        Double r = c.readCapacityUnits();
        double units = 0;
        if (w != null || r != null) {
            if (w != null) writeUnits.add(w);
            if (r != null) readUnits.add(r);
            units = (w == null ? 0 : w) + (r == null ? 0 : r);
        } else if (c.capacityUnits() != null) {
            (write ? writeUnits : readUnits).add(c.capacityUnits());
            units = c.capacityUnits();
        }
        byOperation.computeIfAbsent(op, k -> new DoubleAdder()).add(units);
    }
}
