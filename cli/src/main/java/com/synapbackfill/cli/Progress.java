package com.synapbackfill.cli;

import com.synapbackfill.planner.PlannerResults;
import java.io.PrintStream;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows run status: a live progress bar on a terminal, plain periodic lines otherwise (CI, pipes, files). */
public final class Progress implements Consumer<PlannerResults.Status>, AutoCloseable {
    private final PrintStream out;
    private final boolean terminal;
    private final long plainEveryMillis;
    private ProgressBar bar;
    private long lastPlain;
    private String lastTrouble;

    public Progress(PrintStream out, boolean terminal, long plainEveryMillis) {
        this.out = PrintableStream.of(out);
        // a bar in a terminal whose width is unknown or narrow shrinks to one character: plain lines instead
        this.terminal = terminal && terminalWidth() >= MIN_BAR_WIDTH;
        this.plainEveryMillis = plainEveryMillis;
    }

    /** Narrowest terminal a bar is drawn in (the status text beside it needs about 90 columns). */
    static final int MIN_BAR_WIDTH = 100;

    /** The terminal's width, or 0 when it cannot be told (a dumb terminal, no tty). */
    static int terminalWidth() {
        try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(true).dumb(true).build()) {
            return org.jline.terminal.Terminal.TYPE_DUMB.equals(t.getType()) ? 0 : Math.max(0, t.getWidth());
        } catch (Exception | LinkageError e) {
            return 0;
        }
    }

    @Override
    public void accept(PlannerResults.Status s) {
        // the message shape's estimate is of messages: progress is messages read, not turns
        boolean messages = s.counters().messages() > 0;
        long handled = messages ? s.counters().messages() : s.counters().handled();
        String extra = String.format("%.0f docs/s, ETA %s, 429s %d, failed %d", s.docsPerSecond(), eta(s.etaSeconds()),
                s.counters().throttled(), s.counters().failed());
        if (s.trouble() != null) extra = s.trouble() + "; " + extra;
        // trouble is news: say it when it starts and when it ends, not only at the next periodic line
        boolean changed = (s.trouble() == null) != (lastTrouble == null);
        lastTrouble = s.trouble();
        if (changed && !terminal) {
            out.println(s.trouble() != null ? "trouble: " + s.trouble() : "trouble over: Synap answers again");
        }
        if (terminal) {
            if (bar == null) {
                // hideEta: one ETA, ours (from the recent rate), not the bar's own from its start
                bar = new ProgressBarBuilder().setTaskName("backfill").setInitialMax(Math.max(1, s.estimatedRows())).hideEta()
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250)
                        .setConsumer(new ConsoleProgressBarConsumer(PrintableStream.raw(out))).build();
            }
            // the estimate is statistics: a finished run's bar ends at 100 % whatever it said
            bar.maxHint(s.done() ? Math.max(1, handled) : Math.max(s.estimatedRows(), handled));
            bar.stepTo(handled);
            // the bar draws on the raw stream (its own controls); the trouble in the text is Synap's words: escaped here
            bar.setExtraMessage(com.synapbackfill.text.Printable.of(extra));
        } else if (System.currentTimeMillis() - lastPlain >= plainEveryMillis || s.done() || s.blocked()) {
            lastPlain = System.currentTimeMillis();
            // the estimate is statistics: never more read than "all" (a finished run shows what it read as the whole)
            long whole = s.done() ? handled : Math.max(s.estimatedRows(), handled);
            out.printf("progress: %d/%d %s, shards %d/%d, %s, status %s%n", handled, whole, messages ? "messages" : "rows", s.shardsDone(),
                    s.shardsTotal(), extra, s.status());
        }
    }

    static String eta(long seconds) {
        if (seconds < 0) return "?";
        return seconds >= 3600 ? String.format("%dh%02dm", seconds / 3600, seconds / 60 % 60)
                : String.format("%dm%02ds", seconds / 60, seconds % 60);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
