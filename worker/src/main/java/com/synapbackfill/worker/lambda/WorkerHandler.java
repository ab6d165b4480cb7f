package com.synapbackfill.worker.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.synapbackfill.model.ShardMessage;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.synap.Priming;
import org.crac.Core;
import org.crac.Resource;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * SQS → shard worker. Returns one {@code BatchItemFailure} per message that must come back
 * (ReportBatchItemFailures): transient trouble, or a message that cannot be read (the queue's redrive
 * policy then moves it to the DLQ after maxReceiveCount). Everything else is acknowledged.
 */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Resource {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerHandler.class);
    private final ShardWorker worker;

    /** Lambda's entry: components built once per cold start. */
    public WorkerHandler() {
        this(WorkerComponents.fromEnvironment(System.getenv()).worker());
        Core.getGlobalContext().register(this);
    }

    /** SnapStart: load and warm the JSON and HTTP request paths before the snapshot is taken. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.json();
        Priming.synapRequest();
    }

    /** SnapStart: pooled Synap connections from before the snapshot are dead after a restore. */
    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        Priming.afterRestore();
    }

    /** Tests and the CLI's local event source mapping pass their own worker. */
    public WorkerHandler(ShardWorker worker) {
        this.worker = worker;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSEvent.SQSMessage> records = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        if (context != null && context.getAwsRequestId() != null) MDC.put("requestId", context.getAwsRequestId());
        long budget = context == null ? Long.MAX_VALUE : context.getRemainingTimeInMillis();
        boolean tooShort = budget < worker.reserveMillis(); // the function's Timeout is below the reserve
        for (SQSEvent.SQSMessage m : records) {
            MDC.put("messageId", m.getMessageId());
            try {
                ShardMessage message;
                try {
                    message = ShardMessage.parse(m.getBody());
                } catch (IllegalArgumentException e) {
                    LOG.error("unreadable shard message, returning it (DLQ after maxReceiveCount): {}", e.getMessage());
                    failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
                    continue;
                }
                ShardWorker.Outcome outcome = tooShort ? worker.refuseTooShortInvocation(message, budget)
                        : worker.process(message, context::getRemainingTimeInMillis);
                if (outcome == ShardWorker.Outcome.RETRY_LATER || outcome == ShardWorker.Outcome.INVALID) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
                }
            } catch (RuntimeException e) {
                // never let one message take the others down with it
                if (interrupted(e)) {
                    // the process is stopping (a local fleet shut down, Ctrl-C): not an error; the message comes back
                    LOG.info("shard message returned: the worker was interrupted while working it ({})", e.getMessage());
                } else {
                    LOG.error("shard message failed: {}: {}", e.getClass().getSimpleName(), e.getMessage(), e);
                }
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
            } finally {
                MDC.remove("messageId");
            }
        }
        MDC.remove("requestId");
        return new SQSBatchResponse(failures);
    }

    /** The worker's thread was interrupted (the cause chain holds an interruption, or the flag is set). */
    static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) return true;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException) return true;
            if (t.getClass().getSimpleName().equals("AbortedException")) return true; // the AWS SDK's "Thread was interrupted"
        }
        return false;
    }
}
