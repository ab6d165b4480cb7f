package com.synapbackfill.cli;

import com.synapbackfill.text.Printable;
import java.io.PrintStream;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * The CLI's text output: everything printed through it shows control characters as visible escapes
 * ({@link Printable}), so a source row's id, Synap's error message or a browser-written timestamp cannot move the
 * cursor, ring the bell, set the window title, or start a line of its own ({@code \n Run FAKE: 0 failures}). Only the
 * line ends the CLI itself writes pass: {@code println}'s and a format string's {@code %n} (format strings are the
 * code's own; their arguments are escaped like any text). The progress bar draws on {@link #raw} and escapes its text
 * itself.
 */
final class PrintableStream extends PrintStream {
    private final PrintStream target;

    private PrintableStream(PrintStream target) {
        super(target, true);
        this.target = target;
    }

    /** {@code out} behind the escaping (itself when it already is). */
    static PrintStream of(PrintStream out) {
        return out instanceof PrintableStream ? out : new PrintableStream(out);
    }

    /** The stream behind {@code out}, for what writes terminal controls on purpose (the progress bar). */
    static PrintStream raw(PrintStream out) {
        return out instanceof PrintableStream p ? p.target : out;
    }

    @Override
    public void print(String s) {
        target.print(Printable.of(s));
    }

    @Override
    public void print(Object o) {
        print(String.valueOf(o));
    }

    @Override
    public void print(char c) {
        print(String.valueOf(c));
    }

    @Override
    public void print(char[] s) {
        print(new String(s));
    }

    @Override
    public void print(boolean b) {
        target.print(b);
    }

    @Override
    public void print(int i) {
        target.print(i);
    }

    @Override
    public void print(long l) {
        target.print(l);
    }

    @Override
    public void print(float f) {
        target.print(f);
    }

    @Override
    public void print(double d) {
        target.print(d);
    }

    @Override
    public void println() {
        target.println();
    }

    @Override
    public void println(String s) {
        synchronized (this) {
            print(s);
            target.println();
        }
    }

    @Override
    public void println(Object o) {
        println(String.valueOf(o));
    }

    @Override
    public void println(char c) {
        println(String.valueOf(c));
    }

    @Override
    public void println(char[] s) {
        println(new String(s));
    }

    @Override
    public void println(boolean b) {
        target.println(b);
    }

    @Override
    public void println(int i) {
        target.println(i);
    }

    @Override
    public void println(long l) {
        target.println(l);
    }

    @Override
    public void println(float f) {
        target.println(f);
    }

    @Override
    public void println(double d) {
        target.println(d);
    }

    @Override
    public PrintStream printf(String format, Object... args) {
        return format(format, args);
    }

    @Override
    public PrintStream printf(Locale l, String format, Object... args) {
        return format(l, format, args);
    }

    @Override
    public PrintStream format(String format, Object... args) {
        target.format(format, escaped(args));
        return this;
    }

    @Override
    public PrintStream format(Locale l, String format, Object... args) {
        target.format(l, format, escaped(args));
        return this;
    }

    @Override
    public PrintStream append(CharSequence csq) {
        print(String.valueOf(csq));
        return this;
    }

    @Override
    public PrintStream append(CharSequence csq, int start, int end) {
        return append(csq == null ? "null" : csq.subSequence(start, end));
    }

    @Override
    public PrintStream append(char c) {
        print(c);
        return this;
    }

    // bytes (write) pass to the target as they are: the CLI prints text, never bytes of outside origin

    @Override
    public void write(int b) {
        target.write(b);
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        target.write(buf, off, len);
    }

    @Override
    public void flush() {
        target.flush();
    }

    @Override
    public void close() {
        target.flush(); // System.out stays open
    }

    @Override
    public boolean checkError() {
        return target.checkError();
    }

    /** Text arguments escaped; numbers, dates and the like are formatted by their conversions as they are. */
    private static Object[] escaped(Object[] args) {
        if (args == null) return null;
        Object[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            Object a = out[i];
            if (a instanceof Character c) {
                // %c takes a Character: a control one becomes U+FFFD rather than an escape it could not print
                if (!Printable.clean(String.valueOf(c))) out[i] = '\ufffd';
                continue;
            }
            if (a == null || a instanceof Number || a instanceof Boolean || a instanceof TemporalAccessor
                    || a instanceof java.util.Date || a instanceof java.util.Calendar) continue;
            out[i] = Printable.of(String.valueOf(a));
        }
        return out;
    }
}
