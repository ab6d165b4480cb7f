package com.synapbackfill.cli.bench;

import com.synapbackfill.cli.LocalDeployment;
import com.synapbackfill.cli.LocalEventSourceMapping;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.time.Clock;
import java.time.Duration;
import com.synapbackfill.embedded.RealParts;
import com.synapbackfill.emulator.EmulatorSettings;
import com.synapbackfill.emulator.SynapEmulator;
import java.util.Map;

/** The harness a benchmark gets: where its figures go, the embedded PostgreSQL, and a local deployment's settings. */
record BenchParts(Recorder recorder, RealParts.Postgres pg) {
    /** How a bench result is kept: name, parameters, figures, summary, target, pass (null: printed, no target). */
    interface Recorder {
        void record(String name, Map<String, Object> params, Map<String, Object> figures, String summary, String target, Boolean pass);
    }

    void record(String name, Map<String, Object> params, Map<String, Object> figures, String summary, String target, Boolean pass) {
        recorder.record(name, params, figures, summary, target, pass);
    }

    /** A local deployment's environment on {@code emulator} and the table {@code table} of the embedded PostgreSQL. */
    Map<String, String> env(SynapEmulator emulator, String table) {
        Map<String, String> env = LocalDeployment.runEnv(emulator.baseUrl(), EmulatorSettings.DEFAULT_API_KEY, pg, table);
        env.put("SYNAP_CALL_TIMEOUT_MS", "10000");
        env.put("LEASE_SECONDS", "60");
        return env;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** {@code workers} local workers polling the deployment's queue, as Lambda's event source mapping would. */
    static LocalEventSourceMapping fleet(LocalDeployment d, int workers) {
        return new LocalEventSourceMapping(d.aws().sqs(), d.queueUrl(),
                () -> new WorkerHandler(WorkerComponents.create(d.settings(), d.env(), d.aws(), ShardWorker.CrashPoints.NONE,
                        Clock.systemUTC()).worker()),
                workers, Duration.ofSeconds(120), Duration.ofSeconds(720), Duration.ofSeconds(1)).start();
    }
}
