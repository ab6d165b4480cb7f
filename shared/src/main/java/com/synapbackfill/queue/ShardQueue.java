package com.synapbackfill.queue;

import com.synapbackfill.model.ShardMessage;
import java.util.List;

/** Port: where shard messages go (SQS in AWS). Sends every message or throws. */
public interface ShardQueue {
    void send(List<ShardMessage> messages);

    /** Sends messages that become visible only after {@code delay} (SQS allows up to 15 minutes). */
    void send(List<ShardMessage> messages, java.time.Duration delay);
}
