package com.synapbackfill.emulator;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults and latency a call meets: 500s, 503s, dropped connections, accepted-then-slow answers and bursts of
 * 429s at the shares the settings give, and a log-normal latency with spikes; one seeded random for the run.
 */
final class FaultPlan {
    private final Random random;
    private final EmulatorStats stats;
    private final AtomicInteger burst429Left = new AtomicInteger();

    FaultPlan(Random random, EmulatorStats stats) {
        this.random = random;
        this.stats = stats;
    }

    enum Fault { NONE, ERROR_500, ERROR_503, DROP, ACCEPT_THEN_SLOW, BURST_429 }

    /** The fault this call meets, if any: drawn from the settings' shares, or the rest of a burst of 429s. */
    Fault draw(EmulatorSettings s) {
        EmulatorSettings.Faults f = s.faults();
        if (!f.any()) return Fault.NONE;
        if (burst429Left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return Fault.BURST_429;
        double p;
        synchronized (random) {
            p = random.nextDouble();
        }
        double acc = f.error500();
        if (p < acc) return Fault.ERROR_500;
        if (p < (acc += f.error503())) return Fault.ERROR_503;
        if (p < (acc += f.dropConnection())) return Fault.DROP;
        if (p < (acc += f.acceptThenSlow())) return Fault.ACCEPT_THEN_SLOW;
        if (p < acc + f.burst429()) {
            burst429Left.set(Math.max(0, f.burst429Calls() - 1));
            return Fault.BURST_429;
        }
        return Fault.NONE;
    }

    /** This call's latency: log-normal with the settings' p50 and p95, plus a spike now and then. */
    long latencyMillis(EmulatorSettings s) {
        long extra = 0;
        double gaussian;
        double spike;
        synchronized (random) {
            gaussian = random.nextGaussian();
            spike = random.nextDouble();
        }
        if (spike < s.faults().latencySpike()) {
            stats.latencySpikes.increment();
            extra = s.faults().spikeDelay().toMillis();
        }
        double p50 = s.latencyP50().toNanos() / 1e6;
        double p95 = s.latencyP95().toNanos() / 1e6;
        if (p50 <= 0) return extra;
        // log-normal with the given median and 95th percentile: sigma = ln(p95/p50) / z(0.95)
        double sigma = p95 > p50 ? Math.log(p95 / p50) / 1.6448536 : 0;
        return extra + Math.round(p50 * Math.exp(sigma * gaussian));
    }
}
