package com.synapbackfill.cli.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;

/**
 * {@code %printableEx}: the event's throwable as a stack trace whose messages have their control characters escaped
 * ({@link PrintableThrowable}), one line per frame as usual. Declared in the pattern, it stands in for the
 * {@code %xEx} Log4j would otherwise append.
 */
@Plugin(name = "PrintableThrowableConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"printableEx"})
public final class PrintableThrowableConverter extends LogEventPatternConverter {
    private PrintableThrowableConverter() {
        super("printableEx", "throwable");
    }

    /** Log4j's factory; there are no options. */
    public static PrintableThrowableConverter newInstance(Configuration config, String[] options) {
        return new PrintableThrowableConverter();
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        Throwable t = event.getThrown();
        if (t == null) return;
        StringWriter w = new StringWriter();
        try (PrintWriter p = new PrintWriter(w)) {
            PrintableThrowable.of(t).printStackTrace(p);
        }
        toAppendTo.append(w);
    }

    @Override
    public boolean handlesThrowable() {
        return true;
    }
}
