package com.synapbackfill.source;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.format.DateTimeParseException;

/**
 * Where the turns are and which of them a run takes — the one source contract shared by the CLI (flags and
 * {@code --config} YAML), the planner's start event, the state machine's input and the ledger's run snapshot:
 * table (or view, optionally schema-qualified), column mapping, an optional row filter, the go-live cutover on
 * the timestamp column, the zone that {@code timestamp without time zone} values are read in, and optional id
 * bounds. Connection settings (URL, user, password) are not here: they are secrets of the deployment.
 *
 * <p>Rows in the id range that the filter or the cutover leaves out are counted as {@code skipped}; their text
 * is never read.
 *
 * @param table          {@code turns} or {@code app.turns}
 * @param columns        column mapping (defaults of docs/design.md §2 for every field not given)
 * @param filter         SQL boolean expression over the table's columns ({@link SourceFilter}), or null
 * @param since          only rows created at or after this instant (ISO-8601; without offset: in {@code timestampZone})
 * @param until          only rows created before this instant: the moment live ingestion into Synap started
 * @param timestampZone  zone for timestamps without zone (and for {@code since}/{@code until} without offset), default UTC
 * @param fromId         smallest id to include (inclusive), or null
 * @param toId           largest id to include (inclusive), or null
 * @param messages       the message shape (one row per message, paired into turns), or null for the turn shape
 *                       (one row per turn, {@code columns}); with it, the id bounds are conversation ids
 * @param query          a read-only SELECT read instead of a table ({@link SourceQuery}), or null; {@code table} is
 *                       then null
 * @param undatedAt      the instant given to messages that have no time (a history kept without times, n8n's): chosen
 *                       by the operator, never guessed; null to treat a missing time as a bad row
 * @param allowFunctions functions of the user's that a {@code query} may call beside the ones that only compute
 *                       ({@link SourceQuery#FUNCTIONS}): {@code name} or {@code schema.name}; empty for none
 */
public record SourceConfig(String table, ColumnMapping columns, String filter, String since, String until,
                           String timestampZone, String fromId, String toId, MessageShape messages, String query, String undatedAt,
                           java.util.List<String> allowFunctions) {
    /** The shapes a source table may have. */
    public static final java.util.List<String> SHAPES = java.util.List.of("turns", "messages", "conversations");

    @JsonCreator
    public static SourceConfig fromJson(@JsonProperty("table") String table, @JsonProperty("columns") ColumnMapping columns,
                                        @JsonProperty("filter") String filter, @JsonProperty("since") String since,
                                        @JsonProperty("until") String until,
                                        @JsonProperty("timestampZone") String timestampZone, @JsonProperty("fromId") String fromId,
                                        @JsonProperty("toId") String toId, @JsonProperty("shape") String shape,
                                        @JsonProperty("messages") MessageShape messages, @JsonProperty("query") String query,
                                        @JsonProperty("undatedAt") String undatedAt,
                                        @JsonProperty("allowFunctions") java.util.List<String> allowFunctions) {
        if (shape != null && !SHAPES.contains(shape.trim()))
            throw new IllegalArgumentException("source.shape: must be one of " + SHAPES + ", was \"" + shape + "\"");
        if ("turns".equals(shape == null ? null : shape.trim()) && messages != null)
            throw new IllegalArgumentException("source.shape: is turns, but source.messages is given (the message shape's settings)");
        if (messages == null && shape != null && shape.trim().equals("messages")) messages = MessageShape.DEFAULT;
        if ("conversations".equals(shape == null ? null : shape.trim()) && (messages == null || !messages.conversations()))
            throw new IllegalArgumentException("source.shape: is conversations, but columns.messages does not say where the messages are "
                    + "(e.g. chat#/history/messages)");
        return new SourceConfig(table, columns, filter, since, until, timestampZone, fromId, toId, messages, query, undatedAt, allowFunctions);
    }

    public SourceConfig(String table, ColumnMapping columns, String filter, String since, String until, String timestampZone,
                        String fromId, String toId, MessageShape messages, String query, String undatedAt) {
        this(table, columns, filter, since, until, timestampZone, fromId, toId, messages, query, undatedAt, null);
    }

    public SourceConfig(String table, ColumnMapping columns, String filter, String since, String until,
                        String timestampZone, String fromId, String toId) {
        this(table, columns, filter, since, until, timestampZone, fromId, toId, null, null, null);
    }

    public SourceConfig(String table, ColumnMapping columns, String filter, String since, String until,
                        String timestampZone, String fromId, String toId, MessageShape messages) {
        this(table, columns, filter, since, until, timestampZone, fromId, toId, messages, null, null);
    }

    public SourceConfig {
        query = blankToNull(query);
        allowFunctions = allowFunctions == null ? java.util.List.of()
                : allowFunctions.stream().map(String::strip).filter(f -> !f.isEmpty()).distinct().toList();
        for (String f : allowFunctions) {
            if (!f.matches("([A-Za-z_][A-Za-z0-9_$]*\\.)?[A-Za-z_][A-Za-z0-9_$]*"))
                throw new IllegalArgumentException("source.allowFunctions: \"" + SqlIdentifiers.abbreviate(f) + "\" is not a function name (name or schema.name)");
        }
        if (!allowFunctions.isEmpty() && query == null)
            throw new IllegalArgumentException("source.allowFunctions: applies to a query source (source.query) only");
        if (query != null) {
            if (table != null && !table.isBlank())
                throw new IllegalArgumentException("source.query: give a table or a query, not both (source.table is \"" + table + "\")");
            query = SourceQuery.check("source.query", query, allowFunctions);
            table = null;
        } else {
            table = SqlIdentifiers.requireTable("source.table", table);
        }
        columns = columns == null ? ColumnMapping.DEFAULT : columns;
        String zone = timestampZone == null || timestampZone.isBlank() ? "UTC" : timestampZone;
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("source.timestampZone: unknown zone \"" + zone + "\" (use e.g. UTC or Europe/Berlin)");
        }
        timestampZone = zone;
        filter = blankToNull(filter);
        if (filter != null) SourceFilter.parse("source.filter", filter);
        undatedAt = blankToNull(undatedAt);
        instant("source.undatedAt", undatedAt, ZoneId.of(zone));
        since = blankToNull(since);
        until = blankToNull(until);
        Instant s = instant("source.since", since, ZoneId.of(zone));
        Instant u = instant("source.until", until, ZoneId.of(zone));
        if (s != null && u != null && !s.isBefore(u))
            throw new IllegalArgumentException("source.since: " + since + " is not before source.until " + until);
        fromId = blankToNull(fromId);
        toId = blankToNull(toId);
        if (fromId != null && toId != null) {
            try {
                if (Long.parseLong(fromId) > Long.parseLong(toId))
                    throw new IllegalArgumentException("source.fromId: " + fromId + " is above source.toId " + toId + " (the slice would be empty)");
            } catch (NumberFormatException textIds) {
                // UUID or text ids: their order is the database's; the planner finds an empty slice
            }
        }
        Map<String, Object> asJson = new LinkedHashMap<>();
        // every component, as Jackson writes the record
        asJson.put("table", table);
        asJson.put("columns", columns);
        asJson.put("filter", filter);
        asJson.put("since", since);
        asJson.put("until", until);
        asJson.put("timestampZone", timestampZone);
        asJson.put("fromId", fromId);
        asJson.put("toId", toId);
        asJson.put("messages", messages);
        asJson.put("query", query);
        asJson.put("undatedAt", undatedAt);
        asJson.put("allowFunctions", allowFunctions);
        int bytes = com.synapbackfill.json.Json.writeBytes(asJson).length;
        if (bytes > MAX_JSON_BYTES)
            throw new IllegalArgumentException("source: its settings are " + String.format("%,d", bytes) + " bytes as JSON, at most "
                    + String.format("%,d", MAX_JSON_BYTES) + " (a state machine's input holds them, 256 KiB, and so does the run's ledger item, "
                    + "400 KB): shorten source.query or source.filter");
    }

    /**
     * The most the source settings may take as JSON: they travel in a Step Functions execution's input and state (256 KiB)
     * and in the run's ledger item (400 KB an item), beside everything else those hold (docs/deploy.md, limits).
     */
    public static final int MAX_JSON_BYTES = 128 * 1024;

    public SourceConfig(String table, ColumnMapping columns, String timestampZone, String fromId, String toId) {
        this(table, columns, null, null, null, timestampZone, fromId, toId);
    }

    public static SourceConfig of(String table) {
        return new SourceConfig(table, null, null, null, null);
    }

    /** The instant of messages that have no time, or null. */
    public Instant undatedAtInstant() {
        return instant("source.undatedAt", undatedAt, zone());
    }

    /** What the source reads, for messages: the table's name, or {@code query}. */
    public String name() {
        return query != null ? "query" : table;
    }

    /** {@code turns}, {@code messages} or {@code conversations}. */
    public String shape() {
        return messages == null ? "turns" : messages.conversations() ? "conversations" : "messages";
    }

    /** The conversations shape: a row per conversation, its messages in JSON. */
    public boolean conversationShape() {
        return messages != null && messages.conversations();
    }

    public boolean messageShape() {
        return messages != null;
    }

    public ZoneId zone() {
        return ZoneId.of(timestampZone);
    }

    /** The parsed filter, or null. */
    public SourceFilter parsedFilter() {
        return filter == null ? null : SourceFilter.parse("source.filter", filter);
    }

    public Instant sinceInstant() {
        return instant("source.since", since, zone());
    }

    public Instant untilInstant() {
        return instant("source.until", until, zone());
    }

    /**
     * An instant from {@code 2026-03-01T09:30:00Z}, {@code 2026-03-01T09:30:00+01:00}, or a local
     * {@code 2026-03-01T09:30[:00]} / {@code 2026-03-01 09:30} / {@code 2026-03-01} in {@code zone}.
     */
    static Instant instant(String field, String v, ZoneId zone) {
        if (v == null) return null;
        String s = v.trim().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(s).atZone(zone).toInstant();
            } catch (DateTimeParseException notLocal) {
                try {
                    return LocalDate.parse(s).atStartOfDay(zone).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw new IllegalArgumentException(field + ": \"" + v + "\" is not a timestamp; use ISO-8601, e.g. "
                            + "2026-03-01T09:30:00Z, 2026-03-01T09:30:00+01:00, or 2026-03-01 09:30 (in the timestamp zone)");
                }
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
