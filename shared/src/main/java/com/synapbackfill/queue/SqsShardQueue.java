package com.synapbackfill.queue;

import com.synapbackfill.error.RetryableException;
import com.synapbackfill.model.ShardMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/** {@link ShardQueue} on SQS: {@code SendMessageBatch} in tens, failed entries retried with backoff. */
public final class SqsShardQueue implements ShardQueue {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqsShardQueue.class);
    private static final int MAX_ROUNDS = 8;
    /** Between send rounds: up to 100 ms, 200 ms, ... (full jitter). */
    private static final com.synapbackfill.retry.Backoff ROUNDS = new com.synapbackfill.retry.Backoff(java.time.Duration.ofMillis(100),
            java.time.Duration.ofMillis(100L << MAX_ROUNDS), com.synapbackfill.retry.Backoff.Jitter.FULL);
    private final SqsClient sqs;
    private final String queueUrl;

    public SqsShardQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(List<ShardMessage> messages) {
        send(messages, java.time.Duration.ZERO);
    }

    @Override
    public void send(List<ShardMessage> messages, java.time.Duration delay) {
        int delaySeconds = (int) Math.max(0, Math.min(900, delay.toSeconds()));
        Map<String, ShardMessage> pending = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) pending.put("m" + i, messages.get(i));
        for (int round = 1; !pending.isEmpty(); round++) {
            List<String> ids = new ArrayList<>(pending.keySet());
            List<BatchResultErrorEntry> lastErrors = new ArrayList<>();
            String lastError = null;
            for (int i = 0; i < ids.size(); i += 10) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (String id : ids.subList(i, Math.min(ids.size(), i + 10))) {
                    entries.add(SendMessageBatchRequestEntry.builder().id(id).messageBody(pending.get(id).toJson())
                            .delaySeconds(delaySeconds).build());
                }
                try {
                    SendMessageBatchResponse resp = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
                    resp.successful().forEach(ok -> pending.remove(ok.id()));
                    lastErrors.addAll(resp.failed());
                } catch (SdkException e) {
                    if (round >= MAX_ROUNDS) throw new RetryableException("queue_unavailable", "SQS send failed: " + e.getMessage(), 0, null, e);
                    lastError = e.getMessage();
                }
            }
            if (!pending.isEmpty()) {
                if (round >= MAX_ROUNDS)
                    throw new RetryableException("queue_unavailable", pending.size() + " shard messages could not be sent: "
                            + (lastErrors.isEmpty() ? "" : lastErrors.get(0).code() + " " + lastErrors.get(0).message()), 0, null, null);
                // not silent: a queue that refuses sends is worth a line even when the next round gets through
                LOG.warn("SQS send round {} of {}: {} shard messages not sent yet ({}); retrying", round, MAX_ROUNDS, pending.size(),
                        lastErrors.isEmpty() ? lastError : lastErrors.get(0).code() + " " + lastErrors.get(0).message());
                try {
                    Thread.sleep(ROUNDS.delay(round).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RetryableException("interrupted", "interrupted", 0, null, e);
                }
            }
        }
    }
}
