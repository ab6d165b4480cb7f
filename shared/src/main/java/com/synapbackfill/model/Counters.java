package com.synapbackfill.model;

/**
 * What happened to rows. At the end of a run: rowsRead = accepted + alreadyPresent + failed + skipped.
 *
 * @param rowsRead       rows read from the source
 * @param accepted       documents Synap queued as new
 * @param alreadyPresent documents whose document_id Synap already had (a retry or re-run)
 * @param failed         rows with a failure item (bad row or refused document)
 * @param skipped        rows left out by a configured filter
 * @param calls          batch_create calls that got an answer
 * @param throttled      429 answers seen
 */
public record Counters(long rowsRead, long accepted, long alreadyPresent, long failed, long skipped, long calls,
                       long throttled) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0);

    public Counters plus(Counters o) {
        return new Counters(rowsRead + o.rowsRead, accepted + o.accepted, alreadyPresent + o.alreadyPresent,
                failed + o.failed, skipped + o.skipped, calls + o.calls, throttled + o.throttled);
    }

    /** Rows that reached an outcome. */
    public long handled() {
        return accepted + alreadyPresent + failed + skipped;
    }
}
