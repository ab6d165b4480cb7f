package com.synapbackfill.worker;

import com.synapbackfill.error.BlockedException;
import com.synapbackfill.ledger.Ledger;
import com.synapbackfill.model.Counters;
import com.synapbackfill.model.FailureRecord;
import com.synapbackfill.model.RunIds;
import com.synapbackfill.model.RunState;
import com.synapbackfill.model.RunStatus;
import com.synapbackfill.model.Turn;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.DocumentMapper.Mapped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a finished run's unresolved failures: re-reads the rows by id from the source, renders them again
 * (a row fixed in the source since becomes a document), sends them under the run's rate limit, and records
 * each outcome in the ledger. A row that reaches Synap is resolved and the run's counters move from failed to
 * accepted or already present in the same write; a row still invalid, refused again or gone from the source
 * stays failed under its original key with its new reason. Safe to repeat or to interrupt: resolution is
 * conditional and document ids are stable, so a row is never counted or accepted twice.
 */
public final class FailureRetrier {
    private static final Logger LOG = LoggerFactory.getLogger(FailureRetrier.class);
    /** Failures re-read per source query. */
    static final int CHUNK = 500;
    public static final String MISSING = "source_row_missing";

    private final Ledger ledger;
    private final RunResources.Factory resourcesFactory;
    private final Clock clock;
    private final BatchSender sender;
    /** The run's credit cap: a retry spends from the same cap as the run's workers, never past it. */
    private final CreditCap cap;

    public FailureRetrier(Ledger ledger, RunResources.Factory resourcesFactory, Clock clock) {
        this.ledger = ledger;
        this.resourcesFactory = resourcesFactory;
        this.clock = clock;
        this.sender = new BatchSender(clock);
        this.cap = new CreditCap(ledger, runId -> "the rest stay unresolved; raise the cap and retry them (backfill retry-failures "
                + runId + " --max-credits N)");
    }

    /**
     * @param retried        unresolved failures looked at
     * @param accepted       of those, now accepted by Synap
     * @param alreadyPresent of those, already in Synap
     * @param stillFailing   of those, failed again (by their new reason)
     * @param calls          batch_create calls made
     * @param stoppedAtCap   why the retry stopped before the end: the run's credit cap ({@code maxCredits}) could not cover the
     *                       next call (the failures not sent stay unresolved); null when every wanted failure was tried
     */
    public record Result(String runId, long retried, long accepted, long alreadyPresent, Map<String, Long> stillFailing,
                         long calls, String stoppedAtCap) {
        public long resolved() {
            return accepted + alreadyPresent;
        }

        public long stillFailingTotal() {
            return stillFailing.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * @param errorClass only failures of this class (e.g. {@code invalid_input}, {@code bad_row:empty_text}, or a
     *                   prefix ending in {@code :} such as {@code bad_row:}); null = all
     * @param progress   receives a line per chunk
     */
    public Result retry(String runId, String errorClass, Consumer<String> progress) {
        RunState run = ledger.run(RunIds.requireValid(runId))
                .orElseThrow(() -> new IllegalArgumentException("runId: no run \"" + runId + "\" in the ledger"));
        if (run.status() == RunStatus.RUNNING || run.status() == RunStatus.PLANNING)
            throw new IllegalStateException("run " + runId + " is " + run.status() + ": retry its failures once it has "
                    + "stopped (COMPLETED, BLOCKED, PAUSED or FAILED), so no worker sends the same rows meanwhile");
        Predicate<FailureRecord> wanted = f -> !f.resolved() && f.hasReason(errorClass);
        DocumentMapper mapper = new DocumentMapper(run.config(), runId);
        Totals totals = new Totals();
        String stopped = null;
        try (RunResources res = resourcesFactory.open(run)) {
            List<FailureRecord> chunk = new ArrayList<>();
            String after = null;
            while (true) {
                List<FailureRecord> page = ledger.failures(runId, after, CHUNK);
                if (page.isEmpty()) break;
                for (FailureRecord f : page) {
                    if (!wanted.test(f)) continue;
                    chunk.add(f);
                    if (chunk.size() == CHUNK) {
                        retryChunk(run, chunk, mapper, res, totals);
                        progress.accept(totals.line());
                        chunk.clear();
                    }
                }
                after = page.get(page.size() - 1).key();
            }
            if (!chunk.isEmpty()) {
                retryChunk(run, chunk, mapper, res, totals);
                progress.accept(totals.line());
            }
        } catch (BlockedException e) {
            if (e.reason() != BlockedException.Reason.CREDIT_CAP) throw e;
            // what was sent before is recorded (retryChunk records before it rethrows); the rest wait for a higher cap
            stopped = e.getMessage();
            progress.accept(totals.line());
        }
        LOG.info("retry {}: {} failures, {} accepted, {} already present, still failing {}{}", runId, totals.retried,
                totals.accepted, totals.present, totals.still, stopped == null ? "" : "; stopped at the credit cap");
        return new Result(runId, totals.retried, totals.accepted, totals.present, Map.copyOf(totals.still), totals.calls, stopped);
    }

    /**
     * Sends {@code documents} in the run's calls, each reserved under the run's credit cap first and what Synap did not accept
     * given back after; the cap stopping a call throws {@link BlockedException} (CREDIT_CAP) with what was sent so far in
     * {@code t}.
     */
    private void sendCapped(RunState run, int shardNo, List<Mapped> documents, RunResources res, BatchSender.Tally t) {
        for (Batches.Step step : Batches.steps(documents, run.config().batchSize(), run.config().maxBatchBytes())) {
            CreditCap.Held held = cap.reserve(run, step.documents().size());
            long acceptedBefore = t.accepted();
            try {
                sender.send(run.runId(), shardNo, step.documents(), res.synap(), t);
            } catch (RuntimeException e) {
                cap.release(run, held);
                throw e;
            }
            cap.giveBackUnspent(run, held, t.accepted() - acceptedBefore);
        }
    }

    /**
     * What a resend of failed extractions did.
     *
     * @param resent   documents sent again
     * @param accepted Synap queued them again (new ingestion ids, with receipts: verify again later)
     * @param refused  Synap refused them as already present (its duplicate policy keeps what it has)
     * @param failed   refused for another reason, or no longer in the source (by reason)
     * @param stoppedAtCap why the resend stopped before the end: the run's credit cap; null when every document was tried
     */
    public record ExtractionResend(long resent, long accepted, long refused, Map<String, Long> failed, long calls, String stoppedAtCap) {
        public long failedTotal() {
            return failed.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Sends again the documents whose extraction failed ({@code backfill verify} found them): re-read from the source
     * by row id and rendered as before (same document ids). The run's counters do not move: these documents were
     * accepted once and stay counted so; accepted resends get receipts, so a later verify sees their new outcome.
     *
     * @param sourceRowIds the rows (first messages) of the failed documents
     */
    public ExtractionResend resendExtractions(String runId, List<String> sourceRowIds, Consumer<String> progress) {
        RunState run = ledger.run(RunIds.requireValid(runId))
                .orElseThrow(() -> new IllegalArgumentException("runId: no run \"" + runId + "\" in the ledger"));
        if (run.status() == RunStatus.RUNNING || run.status() == RunStatus.PLANNING)
            throw new IllegalStateException("run " + runId + " is " + run.status() + ": resend its failed extractions once it has stopped");
        DocumentMapper mapper = new DocumentMapper(run.config(), runId);
        long accepted = 0;
        long refused = 0;
        long calls = 0;
        Map<String, Long> failed = new TreeMap<>();
        long resent = 0;
        String stopped = null;
        try (RunResources res = resourcesFactory.open(run)) {
            for (int from = 0; from < sourceRowIds.size() && stopped == null; from += CHUNK) {
                List<String> ids = sourceRowIds.subList(from, Math.min(sourceRowIds.size(), from + CHUNK));
                Map<String, Turn> rows = new HashMap<>();
                for (Turn t : res.source().readByIds(new ArrayList<>(ids))) rows.put(t.id(), t);
                List<Mapped> documents = new ArrayList<>();
                for (String id : ids) {
                    Turn turn = rows.get(id);
                    Mapped m = turn == null ? null : mapper.map(turn);
                    if (m == null) failed.merge(MISSING, 1L, Long::sum);
                    else if (m.ok()) documents.add(m);
                    else failed.merge(m.skipped() ? "now_skipped" : m.reason().errorClass(), 1L, Long::sum);
                }
                BatchSender.Tally t = new BatchSender.Tally();
                try {
                    sendCapped(run, 0, documents, res, t);
                    resent += ids.size();
                } catch (BlockedException e) {
                    if (e.reason() != BlockedException.Reason.CREDIT_CAP) throw e;
                    stopped = e.getMessage();
                    resent += t.accepted() + t.present() + t.failures.size();
                }
                List<com.synapbackfill.report.Receipt> receipts = t.receipts.stream().filter(r -> !r.present()).toList();
                if (!receipts.isEmpty()) res.receipts().record(runId, 0, receipts);
                accepted += t.accepted();
                refused += t.present();
                calls += t.calls;
                for (FailureRecord f : t.failures) failed.merge(f.errorClass(), 1L, Long::sum);
                progress.accept(String.format("resent %,d of %,d: queued again %,d, refused as already present %,d", Math.min(sourceRowIds.size(),
                        from + CHUNK), sourceRowIds.size(), accepted, refused));
            }
        }
        LOG.info("extraction resend {}: {} of {} documents, {} queued again, {} refused as present, failed {}{}", runId, resent,
                sourceRowIds.size(), accepted, refused, failed, stopped == null ? "" : "; stopped at the credit cap");
        return new ExtractionResend(resent, accepted, refused, Map.copyOf(failed), calls, stopped);
    }

    private static final class Totals {
        long retried;
        long accepted;
        long present;
        long calls;
        final Map<String, Long> still = new TreeMap<>();

        String line() {
            return String.format("retried %,d: accepted %,d, already present %,d, still failing %,d", retried, accepted,
                    present, still.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    private void retryChunk(RunState run, List<FailureRecord> chunk, DocumentMapper mapper, RunResources res, Totals totals) {
        String runId = run.runId();
        Map<String, List<FailureRecord>> bySource = new LinkedHashMap<>();
        for (FailureRecord f : chunk) bySource.computeIfAbsent(f.sourceId(), k -> new ArrayList<>()).add(f);
        Map<String, Turn> rows = new HashMap<>();
        for (Turn t : res.source().readByIds(new ArrayList<>(bySource.keySet()))) rows.put(t.id(), t);

        long now = clock.millis();
        List<FailureRecord> again = new ArrayList<>();
        List<Mapped> documents = new ArrayList<>();
        for (Map.Entry<String, List<FailureRecord>> e : bySource.entrySet()) {
            Turn turn = rows.get(e.getKey());
            if (turn == null) {
                for (FailureRecord f : e.getValue())
                    again.add(refailed(f, MISSING, 0, run.config().source().messageShape()
                            ? "message " + f.sourceId() + " no longer starts a turn (it is gone, or now joins another turn)"
                            : "row " + f.sourceId() + " is no longer in the source table", now));
                continue;
            }
            Mapped m = mapper.map(turn);
            if (m.ok()) {
                documents.add(m);
            } else if (m.skipped()) {
                for (FailureRecord f : e.getValue())
                    again.add(refailed(f, f.errorClass(), 0, "row " + f.sourceId() + " is now left out by the run's filter or cutover", now));
            } else {
                for (FailureRecord f : e.getValue())
                    again.add(refailed(f, m.reason().errorClass(), 0, mapper.describe(m), now));
            }
        }
        BatchSender.Tally t = new BatchSender.Tally();
        BlockedException atCap = null;
        try {
            sendCapped(run, -1, documents, res, t);
        } catch (BlockedException e) {
            if (e.reason() != BlockedException.Reason.CREDIT_CAP) throw e;
            // the calls made are recorded below; the rows not sent keep their failures unchanged
            atCap = e;
            Set<String> sent = new HashSet<>();
            for (Mapped m : t.acceptedRows) sent.add(m.turn().id());
            for (Mapped m : t.presentRows) sent.add(m.turn().id());
            for (FailureRecord f : t.failures) sent.add(f.sourceId());
            for (Mapped m : documents) if (!sent.contains(m.turn().id())) bySource.remove(m.turn().id());
        }
        for (FailureRecord refused : t.failures) {
            for (FailureRecord f : bySource.get(refused.sourceId()))
                again.add(refailed(f, refused.errorClass(), refused.httpStatus(), refused.message(), now));
        }
        // receipts under the shard each row failed in, before the failures are resolved
        Map<Integer, List<com.synapbackfill.report.Receipt>> receipts = new TreeMap<>();
        for (com.synapbackfill.report.Receipt r : t.receipts) {
            int shard = bySource.get(r.sourceRowId()).get(0).shardNo();
            receipts.computeIfAbsent(shard, k -> new ArrayList<>())
                    .add(new com.synapbackfill.report.Receipt(r.documentId(), r.ingestionId(), r.sourceRowId(), shard, r.present()));
        }
        receipts.forEach((shard, list) -> res.receipts().record(runId, shard, list));
        if (!again.isEmpty()) ledger.recordFailures(again);
        for (Mapped m : t.acceptedRows) totals.accepted += resolve(runId, bySource.get(m.turn().id()), true);
        for (Mapped m : t.presentRows) totals.present += resolve(runId, bySource.get(m.turn().id()), false);
        for (FailureRecord f : again) totals.still.merge(f.errorClass(), 1L, Long::sum);
        totals.retried += atCap == null ? chunk.size() : bySource.values().stream().mapToLong(List::size).sum();
        totals.calls += t.calls;
        if (atCap != null) throw atCap;
    }

    /** Resolves the failure items of a row that reached Synap; each resolved item moves one count out of failed. */
    private long resolve(String runId, List<FailureRecord> failures, boolean accepted) {
        long moved = 0;
        for (FailureRecord f : failures) {
            Counters delta = new Counters(0, accepted ? 1 : 0, accepted ? 0 : 1, -1, 0, 0, 0);
            if (ledger.resolveFailure(runId, f.key(), delta)) moved++;
        }
        return moved;
    }

    /** The same failure (same key, shard and document id), failed again for {@code errorClass}. */
    private static FailureRecord refailed(FailureRecord f, String errorClass, int httpStatus, String message, long now) {
        return new FailureRecord(f.runId(), f.key(), f.documentId(), f.sourceId(), f.shardNo(), errorClass, httpStatus,
                message, f.attempts(), f.firstSeenEpochMillis(), now, false);
    }
}
