package com.synapbackfill.cli;

import com.synapbackfill.config.Settings;
import com.synapbackfill.model.RunConfig;
import com.synapbackfill.planner.PlannerRequest;
import com.synapbackfill.source.ColumnMapping;
import com.synapbackfill.source.MessageShape;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceFilter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a new run reads and how it sends: the table and the run's settings. Only for commands that start a run
 * ({@code run}, {@code start}); a resumed or retried run keeps the settings the ledger holds.
 */
@Command(resourceBundle = "com.synapbackfill.cli.HelpLists") // the lists in help texts, generated from the code
final class RunSettingsOptions {
    @Option(names = "--table", description = "table or schema.table (env SOURCE_TABLE)") String table;
    @Option(names = "--query", description = "instead of --table: one read-only SELECT, read as a table and sharded by its id (or "
            + "conversation) column, e.g. to unnest JSON or cast a column (env SOURCE_QUERY)") String query;
    @Option(names = "--allow-function", paramLabel = "NAME", description = "a function of yours that the --query may call and that only reads "
            + "(name or schema.name; repeatable; env SOURCE_ALLOW_FUNCTIONS, comma-separated)") List<String> allowFunction;
    @Option(names = "--column", paramLabel = "FIELD=COLUMN", description = "the column for a field, repeatable. Turn shape: "
            + "${bundle:backfill.fields.turns} (customerId or messageIndex empty: none). Message and conversations shapes (--shape "
            + "messages|conversations): ${bundle:backfill.fields.messages}; in the conversations shape ${bundle:backfill.fields.insideMessage} "
            + "are pointers inside each message (role=/role), the others the row's. snake_case too; unmapped fields keep their default "
            + "names (env SOURCE_COLUMNS). A value may be TABLE.COLUMN (a --join), COLUMN#/json/pointer, COLUMN::epoch|epoch_ms|epoch_us|iso "
            + "(a time kept as a number or text), a constant 'text', or alternatives A ?? B (the first non-null)")
    List<String> column;
    @Option(names = "--preset", completionCandidates = Presets.Names.class, description = "a source preset shipped with the tool: "
            + "${COMPLETION-CANDIDATES} (backfill presets lists them; your flags and file override it)") String preset;
    @Option(names = "--shape", description = "turns (a row per turn, the default), messages (a row per message with a role) or conversations "
            + "(a row per conversation, its messages in JSON: --column messages=COLUMN#/pointer); env SOURCE_SHAPE") String shape;
    @Option(names = "--text-remove", paramLabel = "REGEX", description = "message shapes: a regular expression taken out of every message's "
            + "text (e.g. reasoning blocks the user never saw as the answer; env SOURCE_TEXT_REMOVE)") String textRemove;
    @Option(names = "--user-roles", split = ",", description = "message shape: the role values of user messages (default user,human)") List<String> userRoles;
    @Option(names = "--assistant-roles", split = ",", description = "message shape: the role values of assistant messages (default assistant,ai)") List<String> assistantRoles;
    @Option(names = "--join", paramLabel = "TABLE.KEY=COLUMN", description = "message shape: join a table for fields that live there, repeatable, "
            + "e.g. --join conversations.id=conversation_id --column userId=conversations.contact_id") List<String> join;
    @Option(names = "--filter", description = "SQL boolean expression over the table's columns: only matching rows are sent, "
            + "the rest are counted as skipped, e.g. \"deleted_at IS NULL AND consent\" (env SOURCE_FILTER)") String filter;
    @Option(names = "--undated-at", paramLabel = "TIMESTAMP", description = "the time given to messages the source keeps without one "
            + "(ISO-8601; every such memory is dated then: recency ranking and temporal reasoning see one day; env SOURCE_UNDATED_AT)") String undatedAt;
    @Option(names = "--since", description = "only rows created at or after this time (ISO-8601; without offset: in --timestamp-zone)") String since;
    @Option(names = "--until", description = "only rows created before this time: when live ingestion into Synap started (the go-live cutover)") String until;
    @Option(names = "--timestamp-zone", description = "zone of timestamp-without-zone columns (default UTC)") String timestampZone;
    @Option(names = "--from-id", description = "smallest id to include") String fromId;
    @Option(names = "--to-id", description = "largest id to include") String toId;
    @Option(names = "--rate-limit", description = "the Instance's requests per minute (default 600)") Integer rateLimit;
    @Option(names = "--rate-unit", description = "CALL or DOCUMENT (default CALL)") String rateUnit;
    @Option(names = "--batch-size", description = "documents per call, 1..100 (default 100)") Integer batchSize;
    @Option(names = "--mode", description = "long-range or fast (default long-range)") String mode;
    @Option(names = "--shard-rows", description = "rows per shard (default 20000; smaller when the rate limit needs more workers)") Integer shardRows;
    @Option(names = "--page-size", description = "rows per page read from the source (default 500; fewer when rows are large; env PAGE_SIZE)") Integer pageSize;
    @Option(names = "--max-document-bytes", description = "a document larger than this is a bad row, and its text is never read (default 262144; "
            + "env MAX_DOCUMENT_BYTES)") Integer maxDocumentBytes;

    @Option(names = "--allow-overage", description = "start although Synap's estimate of the run is over the credit balance (a paid "
            + "plan bills past it as overage; env ALLOW_OVERAGE)") Boolean allowOverage;
    @Option(names = "--max-credits", paramLabel = "N", description = "the most credits this run may spend: at the cap it stops BLOCKED, "
            + "and resume --max-credits HIGHER continues it (env MAX_CREDITS)") Long maxCredits;

    /** As environment variables of a local planner (its run defaults); the table is required. */
    Map<String, String> env(CliConfig c) {
        c = c.withPreset(preset);
        Map<String, String> env = new LinkedHashMap<>();
        String q = query(c);
        if (q != null) env.put("SOURCE_QUERY", q);
        else env.put("SOURCE_TABLE", tableName(c));
        SourceOptions.putIf(env, "SOURCE_TIMESTAMP_ZONE", c.pick(timestampZone, "timestampZone", "SOURCE_TIMESTAMP_ZONE"));
        SourceConfig source = source(c, env.get("SOURCE_TABLE"), env.get("SOURCE_TIMESTAMP_ZONE"));
        if (source.messageShape()) env.putAll(Settings.messagesEnv(source.messages()));
        else if (source.columns() != ColumnMapping.DEFAULT) env.put("SOURCE_COLUMNS", Settings.columnsEnv(source.columns()));
        SourceOptions.putIf(env, "SOURCE_FILTER", source.filter());
        SourceOptions.putIf(env, "SOURCE_SINCE", source.since());
        SourceOptions.putIf(env, "SOURCE_UNTIL", source.until());
        SourceOptions.putIf(env, "SOURCE_UNDATED_AT", source.undatedAt());
        if (!source.allowFunctions().isEmpty()) env.put("SOURCE_ALLOW_FUNCTIONS", String.join(",", source.allowFunctions()));
        SourceOptions.putIf(env, "SOURCE_FROM_ID", c.pick(fromId, "fromId", "SOURCE_FROM_ID"));
        SourceOptions.putIf(env, "SOURCE_TO_ID", c.pick(toId, "toId", "SOURCE_TO_ID"));
        SourceOptions.putIf(env, "RATE_LIMIT_PER_MINUTE", c.pick(rateLimit, "rateLimit", "RATE_LIMIT_PER_MINUTE"));
        SourceOptions.putIf(env, "RATE_LIMIT_UNIT", c.pick(rateUnit, "rateUnit", "RATE_LIMIT_UNIT"));
        SourceOptions.putIf(env, "BATCH_SIZE", c.pick(batchSize, "batchSize", "BATCH_SIZE"));
        SourceOptions.putIf(env, "SYNAP_MODE", c.pick(mode, "mode", "SYNAP_MODE"));
        SourceOptions.putIf(env, "SHARD_TARGET_ROWS", c.pick(shardRows, "shardRows", "SHARD_TARGET_ROWS"));
        SourceOptions.putIf(env, "PAGE_SIZE", c.pick(pageSize, "pageSize", "PAGE_SIZE"));
        SourceOptions.putIf(env, "MAX_DOCUMENT_BYTES", c.pick(maxDocumentBytes, "maxDocumentBytes", "MAX_DOCUMENT_BYTES"));
        SourceOptions.putIf(env, "ALLOW_OVERAGE", c.pick(allowOverage, "allowOverage", "ALLOW_OVERAGE"));
        SourceOptions.putIf(env, "MAX_CREDITS", c.pick(maxCredits, "maxCredits", "MAX_CREDITS"));
        return env;
    }

    /**
     * A start event for a deployed planner: only what was given here; the rest comes from the function's
     * environment (its SOURCE_TABLE and defaults). The database is the stack's, so no URL or user is sent.
     */
    PlannerRequest startRequest(CliConfig c, String runId) {
        c = c.withPreset(preset);
        String t = c.pick(table, "table", null);
        SourceConfig source = t == null && query(c) == null ? null : source(c, query(c) != null ? null : t, c.pick(timestampZone, "timestampZone", null));
        String unit = c.pick(rateUnit, "rateUnit", null);
        return new PlannerRequest(PlannerRequest.Action.START, runId, source, integer(c.pick(batchSize, "batchSize", null), "--batch-size"),
                null, null, null, integer(c.pick(shardRows, "shardRows", null), "--shard-rows"), c.pick(mode, "mode", null), null, null,
                integer(c.pick(rateLimit, "rateLimit", null), "--rate-limit"), unit == null ? null : rateUnit(unit), null, null,
                bool(c.pick(allowOverage, "allowOverage", null), "--allow-overage"), credits(c.pick(maxCredits, "maxCredits", null), "--max-credits"));
    }

    /** The query the source is, when one is given (flag, file, environment or preset); a table given beside it is an error. */
    String query(CliConfig c) {
        c = c.withPreset(preset);
        String q = c.pick(query, "query", "SOURCE_QUERY");
        String tableOrigin = c.origin("table", "SOURCE_TABLE");
        boolean tableGiven = table != null || (tableOrigin != null && !tableOrigin.startsWith("preset"));
        if (q != null && tableGiven)
            throw new IllegalArgumentException("--query: give a table or a query, not both (--table/table/SOURCE_TABLE is set)");
        return q;
    }

    /** The table the source is (when no query is), or an error naming where to give it. */
    String tableName(CliConfig c) {
        c = c.withPreset(preset);
        return SourceOptions.required(c.pick(table, "table", "SOURCE_TABLE"), "--table or --query (or table/query, SOURCE_TABLE/SOURCE_QUERY, --preset)");
    }

    /**
     * The source contract from the flags, the file and the environment, each error naming what the user wrote:
     * {@code --column} pairs over the file's {@code columns:} map over SOURCE_COLUMNS, field by field.
     */
    SourceConfig source(CliConfig c, String tableName, String zone) {
        c = c.withPreset(preset);
        String sh = c.pick(shape, "shape", "SOURCE_SHAPE");
        String shapeField = shape != null ? "--shape" : c.origin("shape", "SOURCE_SHAPE");
        if (sh != null && !SourceConfig.SHAPES.contains(sh.trim()))
            throw new IllegalArgumentException(shapeField + ": must be one of " + SourceConfig.SHAPES + ", was \"" + sh + "\"");
        boolean messages = sh != null && (sh.trim().equals("messages") || sh.trim().equals("conversations"));
        Pairs pairs = columnPairs(c, messages ? RunSettingsOptions::canonicalMessages : RunSettingsOptions::canonical);
        MessageShape shapeSettings = null;
        if (messages) shapeSettings = messageShape(c, pairs, sh.trim(), shapeField);
        else refuseMessageSettings(c);
        ColumnMapping mapping = pairs.columns().isEmpty() || messages ? null : ColumnMapping.of(pairs.from(), pairs.columns());
        String f = c.pick(filter, "filter", "SOURCE_FILTER");
        String fieldOfFilter = filter != null ? "--filter" : c.pick(null, "filter", null) != null ? "filter" : "SOURCE_FILTER";
        if (f != null) SourceFilter.parse(fieldOfFilter, f);
        String s = c.pick(since, "since", "SOURCE_SINCE");
        String u = c.pick(until, "until", "SOURCE_UNTIL");
        try {
            String q = query(c);
            return new SourceConfig(q != null ? null : tableName, mapping, f, s, u, zone, c.pick(fromId, "fromId", "SOURCE_FROM_ID"),
                    c.pick(toId, "toId", "SOURCE_TO_ID"), shapeSettings, q, c.pick(undatedAt, "undatedAt", "SOURCE_UNDATED_AT"),
                    allowFunction != null ? allowFunction : c.list("allowFunctions", "SOURCE_ALLOW_FUNCTIONS"));
        } catch (IllegalArgumentException e) {
            throw namingTheFlag(e);
        }
    }

    /** The column pairs, and where the last of them came from (the mapping's name in its errors). */
    private record Pairs(Map<String, String> columns, String from) {
    }

    /** {@code --column} pairs over the file's {@code columns:} map over SOURCE_COLUMNS over the preset's, field by field. */
    private Pairs columnPairs(CliConfig c, BiFunction<String, Map<String, String>, Map<String, String>> canon) {
        Map<String, String> pairs = new LinkedHashMap<>();
        String from = null;
        if (!c.presetMap("columns").isEmpty()) {
            from = "preset " + c.presetName() + " (columns)";
            pairs.putAll(canon.apply(from, c.presetMap("columns")));
        }
        Map<String, String> fromEnv = Settings.columnsFromEnv(c.env("SOURCE_COLUMNS"));
        if (!fromEnv.isEmpty()) from = "SOURCE_COLUMNS";
        pairs.putAll(canon.apply("SOURCE_COLUMNS", fromEnv));
        Map<String, String> file = c.map("columns");
        if (!file.isEmpty()) from = "columns";
        pairs.putAll(canon.apply("columns", file));
        if (column != null && !column.isEmpty()) {
            Map<String, String> flags = new LinkedHashMap<>();
            for (String pair : column) {
                int eq = pair.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--column " + pair + ": expected FIELD=COLUMN, e.g. --column createdAt=sent_at");
                flags.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            pairs.putAll(canon.apply("--column", flags));
            from = "--column";
        }
        return new Pairs(pairs, from);
    }

    /** The message (or conversation) shape's settings: the mapping, roles, joins and text removal; the shape matches the mapping. */
    private MessageShape messageShape(CliConfig c, Pairs pairs, String sh, String shapeField) {
        List<String> users = userRoles != null ? userRoles : c.list("userRoles", "SOURCE_USER_ROLES");
        List<String> assistants = assistantRoles != null ? assistantRoles : c.list("assistantRoles", "SOURCE_ASSISTANT_ROLES");
        List<String> joins = join != null ? join : c.list("joins", "SOURCE_JOINS");
        MessageShape shapeSettings = MessageShape.of(pairs.from() == null ? "columns" : pairs.from(), pairs.columns(), users, assistants,
                joins, c.pick(textRemove, "textRemove", "SOURCE_TEXT_REMOVE"));
        if (sh.equals("conversations") != shapeSettings.conversations())
            throw new IllegalArgumentException(shapeField + ": is " + sh + ", but the mapping " + (shapeSettings.conversations()
                    ? "names messages= (the conversations shape)" : "names no messages (--column messages=COLUMN#/pointer: where each "
                    + "conversation row keeps its messages)"));
        return shapeSettings;
    }

    /** Roles and joins belong to the message shape: given to a turn table, they are an error naming the flag. */
    private void refuseMessageSettings(CliConfig c) {
        for (String[] k : new String[][] {{"--user-roles", "userRoles", "SOURCE_USER_ROLES"}, {"--assistant-roles", "assistantRoles", "SOURCE_ASSISTANT_ROLES"},
                {"--join", "joins", "SOURCE_JOINS"}}) {
            boolean given = (k[0].equals("--user-roles") ? userRoles : k[0].equals("--assistant-roles") ? assistantRoles : join) != null
                    || c.list(k[1], k[2]) != null;
            if (given) throw new IllegalArgumentException(k[0] + " (" + k[1] + "): is a setting of the message shape; add --shape messages");
        }
    }

    /** The contract's error with the flag the user wrote named beside the contract's key. */
    private IllegalArgumentException namingTheFlag(IllegalArgumentException e) {
        return new IllegalArgumentException(e.getMessage().replaceFirst("^source\\.since", (since != null ? "--since" : "since") + " (source.since)")
                .replaceFirst("^source\\.until", (until != null ? "--until" : "until") + " (source.until)")
                .replaceFirst("^source\\.timestampZone", (timestampZone != null ? "--timestamp-zone" : "timestampZone") + " (source.timestampZone)")
                .replaceFirst("^source\\.table", (table != null ? "--table" : "table") + " (source.table)")
                .replaceFirst("^source\\.query", (query != null ? "--query" : "query") + " (source.query)")
                .replaceFirst("^source\\.allowFunctions", (allowFunction != null ? "--allow-function" : "allowFunctions") + " (source.allowFunctions)")
                .replaceFirst("^source\\.undatedAt", (undatedAt != null ? "--undated-at" : "undatedAt") + " (source.undatedAt)")
                .replaceFirst("^source\\.fromId: (\\S+) is above source\\.toId", fromId != null ? "--from-id: $1 is above --to-id" : "fromId: $1 is above toId"), e);
    }

    /** As {@link #canonical}, for the message shape's fields. */
    private static Map<String, String> canonicalMessages(String what, Map<String, String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : pairs.entrySet()) {
            String field = MessageShape.field(e.getKey());
            if (field == null)
                throw new IllegalArgumentException(what + " " + e.getKey() + "=" + e.getValue() + ": unknown field \"" + e.getKey()
                        + "\" for the message shape; fields: " + String.join(", ", MessageShape.DEFAULTS.keySet()) + " (or snake_case)");
            out.put(field, e.getValue());
        }
        return out;
    }

    /** Field names checked (camelCase or snake_case) and made camelCase, so later sources override earlier ones. */
    private static Map<String, String> canonical(String what, Map<String, String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : pairs.entrySet()) {
            String field = ColumnMapping.field(e.getKey());
            if (field == null)
                throw new IllegalArgumentException(what + " " + e.getKey() + "=" + e.getValue() + ": unknown field \"" + e.getKey() + "\"; fields: "
                        + String.join(", ", ColumnMapping.DEFAULTS.keySet()) + " (or snake_case)");
            out.put(field, e.getValue());
        }
        return out;
    }

    private static RunConfig.RateLimitUnit rateUnit(String v) {
        try {
            return RunConfig.RateLimitUnit.valueOf(v.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rate-unit: must be one of " + java.util.Arrays.toString(RunConfig.RateLimitUnit.values())
                    + ", was \"" + v + "\"");
        }
    }

    private static Boolean bool(String v, String field) {
        if (v == null) return null;
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false"))
            throw new IllegalArgumentException(field + ": must be true or false, was \"" + v + "\"");
        return Boolean.valueOf(v);
    }

    /** A credit cap as the user wrote it: a whole number >= 1, the error naming where it came from. */
    static Long credits(String v, String field) {
        if (v == null) return null;
        try {
            long n = Long.parseLong(v.trim().replace("_", "").replace(",", ""));
            if (n < 1) throw new IllegalArgumentException(field + ": must be >= 1 credit, was " + v);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": must be a whole number of credits, was \"" + v + "\"");
        }
    }

    private static Integer integer(String v, String field) {
        return v == null ? null : CliConfig.integer(v, field);
    }
}
