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

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
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
