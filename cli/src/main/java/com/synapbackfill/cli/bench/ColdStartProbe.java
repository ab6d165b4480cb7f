package com.synapbackfill.cli.bench;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.synapbackfill.cli.LocalContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Run in a fresh JVM with only a shaded Lambda jar (plus this class) on the classpath: builds the handler
 * as Lambda's runtime would (public no-arg constructor, environment from the process), handles one event,
 * and prints the milliseconds from JVM start to the handler built and to the handled event, and how long the event
 * itself took. With a second argument {@code primed} it first runs the handler's SnapStart hooks as a checkpoint and
 * restore would ({@code beforeCheckpoint}'s priming, then {@code afterRestore}), so the event's own time is what a
 * restored SnapStart function spends on its first event after the snapshot is mapped (which needs AWS to measure).
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = ManagementFactory.getRuntimeMXBean().getStartTime();
        boolean primed = args.length > 1 && args[1].equals("primed");
        long init;
        long eventStart;
        long primeMs = 0;
        if (args[0].equals("worker")) {
            var handler = new com.synapbackfill.worker.lambda.WorkerHandler();
            init = System.currentTimeMillis() - t0;
            if (primed) primeMs = checkpointAndRestore(handler);
            eventStart = System.currentTimeMillis();
            SQSEvent e = new SQSEvent();
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId("cold-start");
            m.setBody("{\"schemaVersion\":1,\"runId\":\"cold-start-probe\",\"shardNo\":0,\"continuation\":0}");
            e.setRecords(List.of(m));
            handler.handleRequest(e, new LocalContext("WorkerFunction", 60_000));
        } else {
            var handler = new com.synapbackfill.planner.lambda.PlannerHandler();
            init = System.currentTimeMillis() - t0;
            if (primed) primeMs = checkpointAndRestore(handler);
            eventStart = System.currentTimeMillis();
            try {
                handler.handleRequest(new ByteArrayInputStream("{\"action\":\"status\",\"runId\":\"cold-start-probe\"}"
                        .getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), new LocalContext("PlannerFunction", 60_000));
            } catch (IllegalArgumentException expected) {
                // no such run: the ledger was read, the answer is an error
            }
        }
        long end = System.currentTimeMillis();
        System.out.println("COLD_START_MS " + init + " " + (end - t0) + " " + (end - eventStart) + " " + primeMs);
    }

    /** The SnapStart hooks in the order a checkpoint and a restore run them; returns their milliseconds. */
    private static long checkpointAndRestore(org.crac.Resource handler) throws Exception {
        long t0 = System.currentTimeMillis();
        handler.beforeCheckpoint(null);
        handler.afterRestore(null);
        return System.currentTimeMillis() - t0;
    }
}
