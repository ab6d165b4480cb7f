package com.synapbackfill.cli.log;

import com.synapbackfill.text.Printable;
import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;
import org.apache.logging.log4j.status.StatusLogger;

/**
 * {@code %printable{pattern}}: what {@code pattern} renders, control characters escaped ({@link Printable}). A log
 * message may carry a source row's id or Synap's error message; through this an ESC or BEL in it cannot reach the
 * terminal, nor a newline forge a log line. Log4j's own {@code %enc{...}{CRLF}} escapes CR and LF only.
 */
@Plugin(name = "PrintableConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"printable"})
public final class PrintableConverter extends LogEventPatternConverter {
    private final List<PatternFormatter> formatters;

    private PrintableConverter(List<PatternFormatter> formatters) {
        super("printable", "printable");
        this.formatters = formatters;
    }

    /** Log4j's factory: {@code options[0]} is the pattern inside the braces. */
    public static PrintableConverter newInstance(Configuration config, String[] options) {
        if (options == null || options.length != 1 || options[0] == null) {
            StatusLogger.getLogger().error("%printable takes one pattern, e.g. %printable{%msg}");
            return null;
        }
        return new PrintableConverter(PatternLayout.createPatternParser(config).parse(options[0]));
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        int start = toAppendTo.length();
        for (PatternFormatter f : formatters) f.format(event, toAppendTo);
        String raw = toAppendTo.substring(start);
        String shown = Printable.of(raw);
        if (shown != raw) {
            toAppendTo.setLength(start);
            toAppendTo.append(shown);
        }
    }

    @Override
    public boolean handlesThrowable() {
        return formatters.stream().anyMatch(PatternFormatter::handlesThrowable);
    }
}
