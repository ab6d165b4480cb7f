package com.synapbackfill.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Takes the log of some classes away from the console for a test that provokes their errors on purpose (a
 * refused key, an unreadable message), so {@code mvn verify} prints an ERROR line only when something failed; the
 * test asserts on what was logged instead.
 */
public final class LogCapture implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();
    private final List<LogEvent> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> names = new ArrayList<>();
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final AbstractAppender appender;

    private LogCapture(List<Class<?>> classes) {
        appender = new AbstractAppender("capture-" + IDS.incrementAndGet(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        for (Class<?> c : classes) {
            LoggerConfig lc = new LoggerConfig(c.getName(), Level.INFO, false);
            lc.addAppender(appender, null, null);
            config.addLogger(c.getName(), lc);
            names.add(c.getName());
        }
        context.updateLoggers();
    }

    /** Captures INFO and above of these classes' loggers until {@link #close()}. */
    public static LogCapture of(Class<?>... classes) {
        return new LogCapture(List.of(classes));
    }

    /** The formatted messages logged at {@code level}, in order. */
    public List<String> messages(Level level) {
        synchronized (events) {
            return events.stream().filter(e -> e.getLevel() == level).map(e -> e.getMessage().getFormattedMessage()).toList();
        }
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        for (String n : names) config.removeLogger(n);
        context.updateLoggers();
        appender.stop();
    }
}
