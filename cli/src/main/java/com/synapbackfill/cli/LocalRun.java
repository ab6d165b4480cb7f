package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerComponents;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.planner.PlannerResults;
import com.synapbackfill.planner.PlannerService;
import com.synapbackfill.worker.ShardWorker;
import com.synapbackfill.worker.WorkerComponents;
import com.synapbackfill.worker.lambda.WorkerHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Runs a backfill on this machine exactly as it runs in Lambda: the planner service, then a local event
 * source mapping whose pollers invoke the real worker handler, until the run is done or blocked.
 */
public final class LocalRun {
    private final LocalDeployment deployment;
    private final PlannerService planner;
    private final com.synapbackfill.report.ReportStore reports;

    public LocalRun(LocalDeployment deployment) {
        this(deployment, null);
    }

    /** @param reports where reports and the workers' receipts go; null = the deployment's bucket */
    public LocalRun(LocalDeployment deployment, com.synapbackfill.report.ReportStore reports) {
        this.deployment = deployment;
        this.reports = reports;
        this.planner = reports == null ? PlannerComponents.create(deployment.settings(), deployment.env(), deployment.aws(), Clock.systemUTC())
                : PlannerComponents.create(deployment.settings(), deployment.env(), deployment.aws(), reports, Clock.systemUTC());
    }

    /** How this run's workers wait: {@link #pause} wakes them. */
    private final com.synapbackfill.retry.StoppableSleeper waits = new com.synapbackfill.retry.StoppableSleeper();

    public PlannerService planner() {
        return planner;
    }

    /**
     * Works the run's queue with {@code concurrency} pollers until the run is COMPLETED, FAILED or BLOCKED
     * (or {@code max} passes), reporting status to {@code progress} about every {@code every}.
     */
    public PlannerResults.Status work(String runId, int concurrency, Duration invocationBudget, Duration max,
                                      Duration every, Consumer<PlannerResults.Status> progress) throws InterruptedException {
        return work(runId, concurrency, invocationBudget, max, every, progress, () -> false);
    }

    /**
     * The same, and {@code abandon} asked before every look at the run: true leaves at once, the workers abandoned where they
     * are (the ledger cannot be written — a full disk — so a batch boundary would never come, and waiting for one is what
     * kept such a run RUNNING for ever). What they sent after their last checkpoint is sent again by the next run of the
     * same command, counted as already present. Returns the last status read (null when none could be).
     */
    public PlannerResults.Status work(String runId, int concurrency, Duration invocationBudget, Duration max, Duration every,
                                      Consumer<PlannerResults.Status> progress, java.util.function.BooleanSupplier abandon)
            throws InterruptedException {
        LocalEventSourceMapping esm = new LocalEventSourceMapping(deployment.aws().sqs(), deployment.queueUrl(),
                () -> new WorkerHandler(WorkerComponents.create(deployment.settings(), deployment.env(), deployment.aws(),
                        reports, ShardWorker.CrashPoints.NONE, Clock.systemUTC(), waits).worker()),
                concurrency, invocationBudget, Duration.ofSeconds(Math.max(60, invocationBudget.toSeconds() * 6)),
                Duration.ofSeconds(2)).start();
        boolean left = false;
        try {
            long deadline = System.currentTimeMillis() + max.toMillis();
            PlannerResults.Status s = null;
            while (true) {
                if (abandon.getAsBoolean()) {
                    left = true;
                    return s;
                }
                try {
                    s = planner.status(runId);
                } catch (RuntimeException e) {
                    if (!abandon.getAsBoolean()) throw e;
                    left = true;
                    return s;
                }
                progress.accept(s);
                if (s.done() || s.blocked() || "PAUSED".equals(s.status()) || System.currentTimeMillis() > deadline) return s;
                Thread.sleep(every.toMillis());
            }
        } finally {
            if (left) esm.abandon();
            else esm.close();
        }
    }

    /**
     * Ctrl-C: the run goes RUNNING → PAUSED, so every worker stops at its next batch boundary, checkpoints and
     * releases its lease, and {@link #work} returns. {@code resume} (or the same {@code run}) continues it.
     */
    public boolean pause(String runId, String reason) {
        // a worker waiting for a rate-limit slot, a fleet pause or a backoff stops waiting now, not minutes later
        waits.stop();
        return new com.synapbackfill.ledger.DynamoDbLedger(deployment.aws().dynamo(), deployment.table(), Clock.systemUTC())
                .transition(runId, java.util.EnumSet.of(com.synapbackfill.model.RunStatus.RUNNING), com.synapbackfill.model.RunStatus.PAUSED, reason);
    }

    public PlannerResults.Start start(PlannerRequest request) {
        return planner.start(request);
    }
}
