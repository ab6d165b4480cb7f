package com.synapbackfill.cli;

import com.synapbackfill.text.Printable;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;

/**
 * Where a deployed function logs (Lambda's {@code /aws/lambda/NAME} group) and, when the operator may read it
 * ({@code logs:FilterLogEvents}), its last error line: what to show when an invocation or an execution failed without a
 * message (a crashed runtime, a task that failed with an empty cause).
 */
final class FunctionLogs {
    /** A line that says something went wrong: a log level, an exception, a runtime's own error. */
    private static final Pattern ERROR_LINE = Pattern.compile(
            "\\bERROR\\b|\\bFATAL\\b|Exception|Error:|errorMessage|fatal error|\\bSIG[A-Z]{3,}\\b");
    private static final int MAX_PAGES = 5;
    private static final int MAX_LINE = 400;

    private final Supplier<CloudWatchLogsClient> logs;

    FunctionLogs(Supplier<CloudWatchLogsClient> logs) {
        this.logs = logs;
    }

    /** The CLI's own: the default chain and endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS). */
    static FunctionLogs standard() {
        return new FunctionLogs(new Supplier<>() {
            private CloudWatchLogsClient client;

            @Override
            public synchronized CloudWatchLogsClient get() {
                if (client == null) client = CloudWatchLogsClient.create();
                return client;
            }
        });
    }

    /** A function's name from what may name it: a name, {@code name:qualifier}, or a (partial) ARN. */
    static String functionName(String function) {
        int at = function.indexOf(":function:");
        String rest = at >= 0 ? function.substring(at + ":function:".length()) : function;
        int colon = rest.indexOf(':');
        return colon >= 0 ? rest.substring(0, colon) : rest;
    }

    /** Lambda's log group of the function. */
    static String logGroup(String function) {
        return "/aws/lambda/" + functionName(function);
    }

    /** "its log: GROUP", with "; last error line there: LINE" when the CLI can read one logged since {@code since}. */
    String where(String function, Instant since) {
        String group = logGroup(function);
        return "the function's log group " + group + lastErrorLine(group, since).map(l -> "; its last error line: " + l).orElse("");
    }

    /** The last line logged since {@code since} that reads as an error; empty when there is none or the log cannot be read. */
    Optional<String> lastErrorLine(String group, Instant since) {
        try {
            CloudWatchLogsClient client = logs.get();
            String last = null;
            String token = null;
            for (int page = 0; page < MAX_PAGES; page++) {
                String next = token;
                FilterLogEventsResponse r = client.filterLogEvents(b -> b.logGroupName(group)
                        .startTime(since.minusSeconds(60).toEpochMilli()).nextToken(next));
                for (FilteredLogEvent e : r.events()) {
                    List<String> lines = e.message() == null ? List.of() : e.message().lines().toList();
                    for (String l : lines) if (ERROR_LINE.matcher(l).find() && !l.isBlank()) last = l.strip();
                }
                token = r.nextToken();
                if (token == null || r.events().isEmpty()) break;
            }
            if (last == null) return Optional.empty();
            String shown = last.length() > MAX_LINE ? last.substring(0, MAX_LINE) + "…" : last;
            return Optional.of(Printable.of(shown));
        } catch (SdkException | IllegalStateException unreadable) {
            // no logs:FilterLogEvents, no such group yet, no endpoint: the group's name is still worth saying
            return Optional.empty();
        }
    }
}
