package com.synapbackfill.cli;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Stands in for Lambda's SQS event source mapping: {@code concurrency} pollers, each with its own
 * {@link WorkerHandler} (like one warm Lambda container), receive one message at a time, invoke the handler
 * with a {@link LocalContext} of {@code invocationBudget}, delete what succeeded and return what is listed in
 * {@code batchItemFailures} to the queue after {@code retryDelay}.
 */
public final class LocalEventSourceMapping implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalEventSourceMapping.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final Supplier<WorkerHandler> handlers;
    private final int concurrency;
    private final Duration invocationBudget;
    private final Duration visibilityTimeout;
    private final Duration retryDelay;
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong returned = new AtomicLong();
    private final AtomicLong idlePolls = new AtomicLong();
    private final AtomicLong crashes = new AtomicLong();
    private final AtomicLong workerCpuNanos = new AtomicLong();
    private final AtomicLong workerAllocatedBytes = new AtomicLong();
    private volatile boolean restartAfterCrash;

    public LocalEventSourceMapping(SqsClient sqs, String queueUrl, Supplier<WorkerHandler> handlers, int concurrency,
                                   Duration invocationBudget, Duration visibilityTimeout, Duration retryDelay) {
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.handlers = handlers;
        this.concurrency = concurrency;
        this.invocationBudget = invocationBudget;
        this.visibilityTimeout = visibilityTimeout;
        this.retryDelay = retryDelay;
    }

    /**
     * Like Lambda: when a worker dies mid-invocation (an Error escapes the handler), its message is left
     * in flight until the visibility timeout and a new execution environment (a new handler) takes over.
     * Without this, a crash ends the poller (a whole-fleet stop, for resume tests).
     */
    public LocalEventSourceMapping restartAfterCrash() {
        this.restartAfterCrash = true;
        return this;
    }

    public LocalEventSourceMapping start() {
        if (!running.compareAndSet(false, true)) return this;
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(this::poll, "esm-poller-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    private void poll() {
        try {
            pollLoop();
        } finally {
            // what this worker thread cost: for the cost-per-turn benchmark
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            workerCpuNanos.addAndGet(mx.getCurrentThreadCpuTime());
            workerAllocatedBytes.addAndGet(mx.getCurrentThreadAllocatedBytes());
        }
    }

    private void pollLoop() {
        WorkerHandler handler = handlers.get();
        while (running.get()) {
            try {
                ReceiveMessageResponse resp = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                        .waitTimeSeconds(1).visibilityTimeout((int) visibilityTimeout.toSeconds())
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
                if (resp.messages().isEmpty()) {
                    idlePolls.incrementAndGet();
                    continue;
                }
                try {
                    invoke(handler, resp.messages());
                } catch (Error crash) {
                    crashes.incrementAndGet();
                    if (!restartAfterCrash) throw crash;
                    LOG.warn("worker died ({}); message left in flight, new execution environment", crash.getMessage());
                    handler = handlers.get();
                }
            } catch (RuntimeException e) {
                if (!running.get()) return;
                LOG.warn("poller error: {}", e.toString());
                sleep(500);
            }
        }
    }

    private void invoke(WorkerHandler handler, List<Message> messages) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            r.setEventSource("aws:sqs");
            r.setAttributes(Map.of("ApproximateReceiveCount",
                    m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
            records.add(r);
        }
        event.setRecords(records);
        invocations.incrementAndGet();
        SQSBatchResponse response = handler.handleRequest(event, new LocalContext("WorkerFunction", invocationBudget.toMillis()));
        Set<String> failed = new HashSet<>();
        response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        for (Message m : messages) {
            if (failed.contains(m.messageId())) {
                returned.incrementAndGet();
                sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())
                        .visibilityTimeout((int) retryDelay.toSeconds()));
            } else {
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** Handler invocations so far. */
    public long invocations() {
        return invocations.get();
    }

    /** CPU time spent by the poller threads (the workers), known after {@link #close()}. */
    public long workerCpuNanos() {
        return workerCpuNanos.get();
    }

    /** Bytes allocated by the poller threads, known after {@link #close()}. */
    public long workerAllocatedBytes() {
        return workerAllocatedBytes.get();
    }

    /** Worker deaths seen. */
    public long crashes() {
        return crashes.get();
    }

    /** Messages returned to the queue (batch item failures). */
    public long returned() {
        return returned.get();
    }

    /** Stops polling; in-flight invocations finish first. */
    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }

    /** Stops the pollers without waiting (a crash of the whole fleet). */
    public void abandon() {
        running.set(false);
        threads.forEach(Thread::interrupt);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
