package com.synapbackfill.model;

/**
 * What happened to rows. At the end of a run: rowsRead = accepted + alreadyPresent + failed + skipped.
 *
 * <p>For the message shape a "row" is one item of a conversation: a turn made of paired messages, a bad message
 * or a skipped one; {@code messages} counts the source messages behind them, so that
 * messages read = messages in accepted / already present / failed turns + bad messages + skipped messages.
 * For the turn shape {@code messages} stays 0 (a row is a message pair).
 *
 * @param rowsRead       rows (turn shape) or items (message shape) read from the source
 * @param accepted       documents Synap queued as new
 * @param alreadyPresent documents whose document_id Synap already had (a retry or re-run)
 * @param failed         rows with a failure item (bad row or refused document)
 * @param skipped        rows left out by a configured filter (message shape: also messages of other roles)
 * @param calls          batch_create calls that got an answer
 * @param throttled      429 answers seen
 * @param messages       source messages read (message shape only)
 */
public record Counters(long rowsRead, long accepted, long alreadyPresent, long failed, long skipped, long calls,
                       long throttled, long messages) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0);

    /** Counters of the turn shape (no message count). */
    public Counters(long rowsRead, long accepted, long alreadyPresent, long failed, long skipped, long calls, long throttled) {
        this(rowsRead, accepted, alreadyPresent, failed, skipped, calls, throttled, 0);
    }

    public Counters plus(Counters o) {
        return new Counters(rowsRead + o.rowsRead, accepted + o.accepted, alreadyPresent + o.alreadyPresent,
                failed + o.failed, skipped + o.skipped, calls + o.calls, throttled + o.throttled, messages + o.messages);
    }

    /** Rows that reached an outcome. */
    public long handled() {
        return accepted + alreadyPresent + failed + skipped;
    }
}
