package com.synapbackfill.queue;

import com.synapbackfill.model.ShardMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/** A {@link ShardQueue} in memory: the fake for service tests. */
public final class InMemoryShardQueue implements ShardQueue {
    private final LinkedBlockingQueue<ShardMessage> queue = new LinkedBlockingQueue<>();
    private final List<ShardMessage> sent = new ArrayList<>();

    @Override
    public synchronized void send(List<ShardMessage> messages) {
        sent.addAll(messages);
        queue.addAll(messages);
    }

    /** The fake ignores the delay: the message is there at once. */
    @Override
    public void send(List<ShardMessage> messages, java.time.Duration delay) {
        send(messages);
    }

    /** Next message, or null when empty. */
    public ShardMessage poll() {
        return queue.poll();
    }

    public synchronized List<ShardMessage> sent() {
        return List.copyOf(sent);
    }

    public int size() {
        return queue.size();
    }
}
