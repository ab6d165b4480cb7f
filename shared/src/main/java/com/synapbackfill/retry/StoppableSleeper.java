package com.synapbackfill.retry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Sleeper} that {@link #stop()} wakes at once, for a local run the operator stops with Ctrl-C: a worker waiting
 * for a rate-limit slot, a fleet pause or a backoff must not hold the run for minutes after it was told to stop. Every
 * wait after the stop ends at once too, with {@link InterruptedException}.
 */
public final class StoppableSleeper implements Sleeper {
    private final Object lock = new Object();
    private volatile boolean stopped;

    @Override
    public void sleep(Duration d) throws InterruptedException {
        long end = System.nanoTime() + Math.max(0, d.toNanos());
        synchronized (lock) {
            while (!stopped) {
                long left = end - System.nanoTime();
                if (left <= 0) return;
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
        throw new Stopped();
    }

    /** The wait ended because the run is stopping; the thread itself was not interrupted (its flag stays clear). */
    public static final class Stopped extends InterruptedException {
        Stopped() {
            super("the run is stopping");
        }
    }

    /** Wakes every wait now, and ends every later one at once. */
    public void stop() {
        stopped = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    public boolean stopped() {
        return stopped;
    }
}
