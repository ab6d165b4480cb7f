package com.synapbackfill.worker;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.synapbackfill.ledger.InMemoryLedger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.IdType;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.ShardState;
import com.synapbackfill.model.Turn;
import com.synapbackfill.queue.InMemoryShardQueue;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.TurnSource;
import com.synapbackfill.synap.SynapApi;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** A one-shard run in in-memory fakes, and a Lambda Context with a deadline, for handler tests. */
public final class HandlerFixtures {
    public final InMemoryLedger ledger = new InMemoryLedger(Clock.systemUTC());
    public final InMemoryShardQueue queue = new InMemoryShardQueue();
    final Fakes.Synap synap = new Fakes.Synap();
    public final ShardWorker worker;

    public HandlerFixtures(String runId, int rows) {
        List<Turn> turns = new ArrayList<>();
        for (long i = 1; i <= rows; i++) turns.add(Fakes.turn(i));
        Fakes.Source source = new Fakes.Source(turns);
        RunConfig cfg = RunConfig.builder(SourceConfig.of("turns")).build();
        long now = System.currentTimeMillis();
        ledger.createRun(new RunState(runId, RunStatus.PLANNING, null, cfg, IdType.BIGINT, rows, 0, 0, Counters.ZERO, now, now, 0));
        ledger.putShards(runId, List.of(ShardState.pending(new Shard(runId, 0, "1", false, Long.toString(rows), IdType.BIGINT))), rows);
        ledger.transition(runId, EnumSet.of(RunStatus.PLANNING), RunStatus.RUNNING, null);
        RunResources res = new RunResources() {
            @Override public TurnSource source() { return source; }
            @Override public SynapApi synap() { return synap; }
            @Override public void close() { }
        };
        worker = new ShardWorker(ledger, queue, run -> res, new WorkerOptions("handler-test", Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ZERO), Clock.systemUTC(), ShardWorker.CrashPoints.NONE, WorkerMetrics.NONE);
    }

    public Set<String> synapStored() {
        return synap.stored;
    }

    public Context context(long budgetMillis) {
        long deadline = System.currentTimeMillis() + budgetMillis;
        return new Context() {
            @Override public String getAwsRequestId() { return "req"; }
            @Override public String getLogGroupName() { return "g"; }
            @Override public String getLogStreamName() { return "s"; }
            @Override public String getFunctionName() { return "WorkerFunction"; }
            @Override public String getFunctionVersion() { return "1"; }
            @Override public String getInvokedFunctionArn() { return "arn"; }
            @Override public CognitoIdentity getIdentity() { return null; }
            @Override public ClientContext getClientContext() { return null; }
            @Override public int getRemainingTimeInMillis() { return (int) (deadline - System.currentTimeMillis()); }
            @Override public int getMemoryLimitInMB() { return 1024; }
            @Override public LambdaLogger getLogger() { return null; }
        };
    }
}
