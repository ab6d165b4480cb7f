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
 * @param withoutConversation messages whose conversation key is NULL (message shape): no shard holds them, so they are
 *                       counted when the run is planned, as read and skipped ({@code missing_conversation_id}), never lost
 *                       without a word; part of {@code rowsRead}, {@code skipped} and {@code messages}
 */
public record Counters(long rowsRead, long accepted, long alreadyPresent, long failed, long skipped, long calls,
                       long throttled, long messages, long withoutConversation) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public Counters(long rowsRead, long accepted, long alreadyPresent, long failed, long skipped, long calls, long throttled, long messages) {
        this(rowsRead, accepted, alreadyPresent, failed, skipped, calls, throttled, messages, 0);
    }

    /** What planning counts of messages no shard holds: read and skipped as {@code missing_conversation_id}. */
    public static Counters withoutConversation(long n) {
        return new Counters(n, 0, 0, 0, n, 0, 0, n, n);
    }

    /** Counters of the turn shape (no message count). */
    public Counters(long rowsRead, long accepted, long alreadyPresent, long failed, long skipped, long calls, long throttled) {
        this(rowsRead, accepted, alreadyPresent, failed, skipped, calls, throttled, 0);
    }

    public Counters plus(Counters o) {
        return new Counters(rowsRead + o.rowsRead, accepted + o.accepted, alreadyPresent + o.alreadyPresent,
                failed + o.failed, skipped + o.skipped, calls + o.calls, throttled + o.throttled, messages + o.messages,
                withoutConversation + o.withoutConversation);
    }

    /** Rows that reached an outcome. */
    public long handled() {
        return accepted + alreadyPresent + failed + skipped;
    }
}
