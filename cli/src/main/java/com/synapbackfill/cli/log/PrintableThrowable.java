package com.synapbackfill.cli.log;

import com.synapbackfill.text.Printable;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A throwable as it is printed, its messages and its causes' (Synap's words, a row's id) with control characters
 * escaped ({@link Printable}); its stack frames as they were. {@code printStackTrace} of it keeps a stack trace's lines
 * and no more: a message cannot forge a line of the log or of the terminal.
 */
public final class PrintableThrowable extends Throwable {
    private static final long serialVersionUID = 1L;
    private final String shown;

    private PrintableThrowable(String shown, PrintableThrowable cause) {
        super(null, cause, true, true);
        this.shown = shown;
    }

    /** {@code t} to print, or {@code t} itself when nothing in it needs escaping. */
    public static Throwable of(Throwable t) {
        return t == null || clean(t, new IdentityHashMap<>()) ? t : copy(t, new IdentityHashMap<>());
    }

    private static boolean clean(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) return true;
        if (!Printable.clean(t.toString())) return false;
        for (Throwable s : t.getSuppressed()) if (!clean(s, seen)) return false;
        return clean(t.getCause(), seen);
    }

    private static PrintableThrowable copy(Throwable t, Map<Throwable, PrintableThrowable> seen) {
        if (seen.containsKey(t)) return null; // a cycle, or met before: printed once
        seen.put(t, null);
        PrintableThrowable cause = t.getCause() == null ? null : copy(t.getCause(), seen);
        PrintableThrowable p = new PrintableThrowable(Printable.of(t.toString()), cause);
        p.setStackTrace(t.getStackTrace());
        for (Throwable s : t.getSuppressed()) {
            PrintableThrowable c = copy(s, seen);
            if (c != null) p.addSuppressed(c);
        }
        seen.put(t, p);
        return p;
    }

    @Override
    public String toString() {
        return shown;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // the original's frames are set instead
    }
}
