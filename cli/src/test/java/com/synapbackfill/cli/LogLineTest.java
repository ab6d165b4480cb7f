package com.synapbackfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.junit.jupiter.api.Test;

/**
 * The CLI's console log line (its shipped log4j2.xml, not the tests' one): a logged row id or Synap message cannot put
 * an ESC or BEL on the terminal nor forge a log line, in the message or in a stack trace's messages (#41).
 */
class LogLineTest {
    static final String HOSTILE = "\u001b]0;pwned\u0007\n12:00:00 ERROR ShardWorker - Run FAKE: 0 failures";

    static String format(LogEvent event) throws Exception {
        // the file the jar ships: target/classes/log4j2.xml beside the CLI's classes
        Path classes = Path.of(BackfillCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        LoggerContext ctx = new LoggerContext("cli-log-line");
        XmlConfiguration config = new XmlConfiguration(ctx, ConfigurationSource.fromUri(classes.resolve("log4j2.xml").toUri()));
        config.initialize();
        try {
            ConsoleAppender err = config.getAppender("err");
            return err.getLayout().toSerializable(event).toString();
        } finally {
            config.stop();
        }
    }

    static LogEvent event(Throwable thrown) {
        return Log4jLogEvent.newBuilder().setLoggerName("com.synapbackfill.worker.ShardWorker").setLevel(Level.WARN)
                .setMessage(new ParameterizedMessage("row {} failed: {}", "r" + HOSTILE, "Synap said " + HOSTILE))
                .setThrown(thrown).setTimeMillis(0).build();
    }

    @Test
    void aLoggedMessageShowsControlCharactersAsEscapesOnOneLine() throws Exception {
        String line = format(event(null));
        assertThat(line).doesNotContain("\u001b", "\u0007").endsWith(System.lineSeparator());
        assertThat(line.lines()).hasSize(1);
        assertThat(line).contains("row r\\u001b]0;pwned\\u0007\\n12:00:00 ERROR ShardWorker - Run FAKE: 0 failures failed: Synap said \\u001b]0;pwned");
    }

    @Test
    void aStackTraceKeepsItsLinesButNotTheLinesItsMessagesWouldForge() throws Exception {
        Exception cause = new IllegalStateException("cause: " + HOSTILE);
        String text = format(event(new RuntimeException("Synap answered 400: " + HOSTILE, cause)));
        assertThat(text).doesNotContain("\u001b", "\u0007");
        assertThat(text.lines()).noneMatch(l -> l.startsWith("12:00:00 ERROR"));
        assertThat(text).contains("java.lang.RuntimeException: Synap answered 400: \\u001b]0;pwned\\u0007\\n12:00:00 ERROR")
                .contains("Caused by: java.lang.IllegalStateException: cause: \\u001b]0;pwned")
                .contains("\tat com.synapbackfill.cli.LogLineTest.aStackTraceKeepsItsLinesButNotTheLinesItsMessagesWouldForge");
    }
}
