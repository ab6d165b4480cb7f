package com.synapbackfill.config;

import com.synapbackfill.model.RunConfig;
import com.synapbackfill.source.ColumnMapping;
import com.synapbackfill.source.MessageShape;
import com.synapbackfill.source.SourceConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Deployment settings of a function (or the CLI), read once from an environment map. Every value is
 * validated here and an error names the variable. Secret values are not read here: only their ARNs or the
 * names of variables that hold them; see {@link Secrets}.
 *
 * @param ledgerTable   LEDGER_TABLE
 * @param shardQueueUrl SHARD_QUEUE_URL
 * @param reportBucket  REPORT_BUCKET (reports; the workers' receipts)
 * @param endpoints     DYNAMODB_ENDPOINT, SQS_ENDPOINT, S3_ENDPOINT, LAMBDA_ENDPOINT (local runs)
 * @param synap         the Synap client (SYNAP_*)
 * @param source        the source database (SOURCE_JDBC_URL, SOURCE_DB_*)
 * @param runDefaults   defaults for a start event's config (SOURCE_TABLE, BATCH_SIZE, ...), empty when no SOURCE_TABLE
 * @param worker        the shard worker (LEASE_SECONDS, WORKER_RESERVE_MS, SHARD_RETRY_DELAY_MS, RUN_STATUS_CACHE_MS)
 * @param rateScope     RATE_SCOPE: the Instance the limiter counts for (all runs on one Instance share it)
 * @param planner       the planner's tune (WORKER_EVENT_SOURCE_MAPPING_ID, TUNE_HEADROOM)
 */
public record Settings(String ledgerTable, String shardQueueUrl, String reportBucket, Endpoints endpoints, Synap synap,
                       Source source, Optional<RunConfig> runDefaults, Worker worker, String rateScope, Planner planner) {

    /**
     * The Synap client's settings.
     *
     * @param baseUrl         SYNAP_BASE_URL
     * @param apiKeySecretArn SYNAP_API_KEY_SECRET_ARN (Lambda) — else SYNAP_API_KEY
     * @param connectTimeout  SYNAP_CONNECT_TIMEOUT_MS
     * @param readTimeout     SYNAP_READ_TIMEOUT_MS
     * @param callTimeout     SYNAP_CALL_TIMEOUT_MS
     * @param maxAttempts     SYNAP_MAX_ATTEMPTS
     * @param maxRetryTime    SYNAP_MAX_RETRY_SECONDS
     * @param backoffBase     SYNAP_BACKOFF_BASE_MS: first backoff ceiling (full jitter)
     * @param backoffMax      SYNAP_BACKOFF_MAX_MS: backoff ceiling
     */
    public record Synap(String baseUrl, String apiKeySecretArn, Duration connectTimeout, Duration readTimeout, Duration callTimeout,
                        int maxAttempts, Duration maxRetryTime, Duration backoffBase, Duration backoffMax) {
    }

    /**
     * The source database.
     *
     * @param jdbcUrl     SOURCE_JDBC_URL
     * @param dbUser      SOURCE_DB_USER
     * @param dbSecretArn SOURCE_DB_SECRET_ARN (Lambda) — else SOURCE_DB_PASSWORD
     * @param statementTimeout SOURCE_STATEMENT_TIMEOUT_SECONDS: how long one statement may run (default 300)
     */
    public record Source(String jdbcUrl, String dbUser, String dbSecretArn, Duration statementTimeout) {
        public Source(String jdbcUrl, String dbUser, String dbSecretArn) {
            this(jdbcUrl, dbUser, dbSecretArn, com.synapbackfill.source.JdbcConnectionSettings.DEFAULT_STATEMENT_TIMEOUT);
        }

    }

    /**
     * The shard worker.
     *
     * @param lease               LEASE_SECONDS: how long a shard lease lives without a checkpoint (>= 5 s)
     * @param reserve             WORKER_RESERVE_MS: a worker stops at a batch boundary when less than this remains
     *                            (default: one slow call + 5 s of ledger writes)
     * @param shardRetryDelayBase SHARD_RETRY_DELAY_MS: first delay of a shard retry after transient trouble (doubles, max 15 min)
     * @param runStatusCache      RUN_STATUS_CACHE_MS: how long a worker trusts the run status it read (a PAUSE or BLOCK
     *                            reaches every worker within this; default 3 s)
     */
    public record Worker(Duration lease, Duration reserve, Duration shardRetryDelayBase, Duration runStatusCache) {
        public Worker {
            if (lease.toSeconds() < 5) throw new IllegalArgumentException("LEASE_SECONDS: must be >= 5, was " + lease.toSeconds());
        }
    }

    /**
     * The planner's tune.
     *
     * @param workerMappingUuid WORKER_EVENT_SOURCE_MAPPING_ID
     * @param tuneHeadroom      TUNE_HEADROOM (1..10)
     */
    public record Planner(String workerMappingUuid, double tuneHeadroom) {
        public Planner {
            if (tuneHeadroom < 1 || tuneHeadroom > 10) throw new IllegalArgumentException("TUNE_HEADROOM: must be 1..10, was " + tuneHeadroom);
        }
    }

    /** Every variable {@link #fromEnvironment} and {@link Secrets} read (anything else in a function's environment is a typo). */
    public static final java.util.Set<String> KNOWN_ENV = java.util.Set.of("LEDGER_TABLE", "SHARD_QUEUE_URL", "REPORT_BUCKET",
            "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "S3_ENDPOINT", "LAMBDA_ENDPOINT", "SYNAP_BASE_URL", "SYNAP_ALLOW_PLAIN_HTTP", "SYNAP_API_KEY_SECRET_ARN",
            "SYNAP_API_KEY", "SYNAP_CONNECT_TIMEOUT_MS", "SYNAP_READ_TIMEOUT_MS", "SYNAP_CALL_TIMEOUT_MS", "SYNAP_MAX_ATTEMPTS",
            "SYNAP_MAX_RETRY_SECONDS", "SYNAP_BACKOFF_BASE_MS", "SYNAP_BACKOFF_MAX_MS", "SOURCE_JDBC_URL", "SOURCE_STATEMENT_TIMEOUT_SECONDS", "SOURCE_DB_USER", "SOURCE_DB_SECRET_ARN", "SOURCE_DB_PASSWORD",
            "SOURCE_TABLE", "SOURCE_QUERY", "SOURCE_ALLOW_FUNCTIONS", "SOURCE_UNDATED_AT", "SOURCE_COLUMNS", "SOURCE_FILTER", "SOURCE_SINCE", "SOURCE_UNTIL", "SOURCE_TIMESTAMP_ZONE", "SOURCE_FROM_ID", "SOURCE_TO_ID",
            "SOURCE_SHAPE", "SOURCE_TEXT_REMOVE", "SOURCE_USER_ROLES", "SOURCE_ASSISTANT_ROLES", "SOURCE_JOINS", "BATCH_SIZE", "RATE_LIMIT_PER_MINUTE",
            "RATE_LIMIT_UNIT", "SHARD_TARGET_ROWS", "PAGE_SIZE", "MAX_DOCUMENT_BYTES", "SYNAP_MODE", "DOCUMENT_ID_TEMPLATE",
            "REQUIRE_CUSTOMER_ID", "ALLOW_OVERAGE", "MAX_CREDITS", "LEASE_SECONDS", "WORKER_RESERVE_MS", "SHARD_RETRY_DELAY_MS", "RATE_SCOPE", "WORKER_EVENT_SOURCE_MAPPING_ID", "RUN_STATUS_CACHE_MS",
            "TUNE_HEADROOM", "LOG_LEVEL", "JAVA_TOOL_OPTIONS");

    /** SOURCE_COLUMNS: {@code field=column} pairs separated by commas (fields camelCase or snake_case). */
    public static Map<String, String> columnsFromEnv(String v) {
        Map<String, String> pairs = new java.util.LinkedHashMap<>();
        if (v == null || v.isBlank()) return pairs;
        for (String pair : v.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("SOURCE_COLUMNS: expected field=column pairs separated by commas, was \"" + v + "\"");
            pairs.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return pairs;
    }

    /**
     * The message shape from SOURCE_SHAPE ({@code turns}, the default, or {@code messages}), SOURCE_COLUMNS (the
     * message fields), SOURCE_USER_ROLES / SOURCE_ASSISTANT_ROLES (comma lists) and SOURCE_JOINS
     * ({@code TABLE.KEY=COLUMN}, comma-separated); null for the turn shape.
     */
    public static MessageShape messagesFromEnv(String shape, Map<String, String> columns, String userRoles, String assistantRoles, String joins) {
        return messagesFromEnv(shape, columns, userRoles, assistantRoles, joins, null);
    }

    /** As {@link #messagesFromEnv(String, Map, String, String, String)}, with SOURCE_TEXT_REMOVE. */
    public static MessageShape messagesFromEnv(String shape, Map<String, String> columns, String userRoles, String assistantRoles, String joins,
                                               String textRemove) {
        String sh = shape == null || shape.isBlank() ? "turns" : shape.trim();
        if (!SourceConfig.SHAPES.contains(sh))
            throw new IllegalArgumentException("SOURCE_SHAPE: must be one of " + SourceConfig.SHAPES + ", was \"" + shape + "\"");
        if (sh.equals("turns")) {
            for (String[] v : new String[][] {{"SOURCE_USER_ROLES", userRoles}, {"SOURCE_ASSISTANT_ROLES", assistantRoles}, {"SOURCE_JOINS", joins}})
                if (v[1] != null && !v[1].isBlank()) throw new IllegalArgumentException(v[0] + ": is a setting of the message shape; set SOURCE_SHAPE=messages");
            return null;
        }
        MessageShape m = MessageShape.of("SOURCE_COLUMNS", columns, list(userRoles), list(assistantRoles), list(joins), textRemove);
        if (sh.equals("conversations") != m.conversations())
            throw new IllegalArgumentException("SOURCE_SHAPE: is " + sh + ", but SOURCE_COLUMNS " + (m.conversations() ? "names" : "does not name")
                    + " messages (where a conversation row keeps its messages: the conversations shape)");
        return m;
    }

    /** The message shape as environment variables (the inverse of {@link #messagesFromEnv}). */
    public static Map<String, String> messagesEnv(MessageShape m) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("SOURCE_SHAPE", m.conversations() ? "conversations" : "messages");
        if (m.textRemove() != null) env.put("SOURCE_TEXT_REMOVE", m.textRemove());
        java.util.List<String> pairs = new java.util.ArrayList<>();
        for (Map.Entry<String, String> f : m.columns().entrySet()) pairs.add(f.getKey() + "=" + f.getValue());
        env.put("SOURCE_COLUMNS", String.join(",", pairs));
        env.put("SOURCE_USER_ROLES", String.join(",", m.userRoles()));
        env.put("SOURCE_ASSISTANT_ROLES", String.join(",", m.assistantRoles()));
        if (!m.joins().isEmpty()) env.put("SOURCE_JOINS", String.join(",", m.joins()));
        return env;
    }

    private static java.util.List<String> list(String v) {
        if (v == null || v.isBlank()) return null;
        return java.util.Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** A mapping as SOURCE_COLUMNS (every field, customerId empty when none). */
    public static String columnsEnv(ColumnMapping m) {
        java.util.List<String> pairs = new java.util.ArrayList<>();
        for (String f : ColumnMapping.DEFAULTS.keySet()) pairs.add(f + "=" + m.column(f));
        return String.join(",", pairs);
    }

    /** Endpoint overrides for local runs (DynamoDB Local, ElasticMQ, s3mock); null means AWS's. */
    public record Endpoints(String dynamodb, String sqs, String s3, String lambda) {
        public static final Endpoints AWS = new Endpoints(null, null, null, null);
    }

    public static Settings fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, new java.util.HashSet<>());
    }

    /** @param read receives the name of every variable looked at (SettingsTest: each is in {@link #KNOWN_ENV}) */
    static Settings fromEnvironment(Map<String, String> env, java.util.Set<String> read) {
        Env e = new Env(env, read);
        Optional<RunConfig> defaults = e.get("SOURCE_TABLE") != null || e.get("SOURCE_QUERY") != null
                ? Optional.of(runDefaults(e)) : Optional.empty();
        com.synapbackfill.synap.SynapClientConfig.requireSecure("SYNAP_BASE_URL", e.get("SYNAP_BASE_URL"),
                Boolean.parseBoolean(e.get("SYNAP_ALLOW_PLAIN_HTTP")));
        return new Settings(e.required("LEDGER_TABLE"), e.get("SHARD_QUEUE_URL"), e.get("REPORT_BUCKET"),
                new Endpoints(e.get("DYNAMODB_ENDPOINT"), e.get("SQS_ENDPOINT"), e.get("S3_ENDPOINT"), e.get("LAMBDA_ENDPOINT")),
                new Synap(e.getOr("SYNAP_BASE_URL", com.synapbackfill.synap.SynapClientConfig.DEFAULT_BASE_URL),
                        e.get("SYNAP_API_KEY_SECRET_ARN"),
                        Duration.ofMillis(e.integer("SYNAP_CONNECT_TIMEOUT_MS").orElse(5_000)),
                        Duration.ofMillis(e.integer("SYNAP_READ_TIMEOUT_MS").orElse(30_000)),
                        Duration.ofMillis(e.integer("SYNAP_CALL_TIMEOUT_MS").orElse(40_000)),
                        e.integer("SYNAP_MAX_ATTEMPTS").orElse(8),
                        Duration.ofSeconds(e.integer("SYNAP_MAX_RETRY_SECONDS").orElse(120)),
                        Duration.ofMillis(e.integer("SYNAP_BACKOFF_BASE_MS").orElse(100)),
                        Duration.ofMillis(e.integer("SYNAP_BACKOFF_MAX_MS").orElse(20_000))),
                new Source(e.get("SOURCE_JDBC_URL"), e.get("SOURCE_DB_USER"), e.get("SOURCE_DB_SECRET_ARN"),
                        Duration.ofSeconds(e.integer("SOURCE_STATEMENT_TIMEOUT_SECONDS").orElse(
                                (int) com.synapbackfill.source.JdbcConnectionSettings.DEFAULT_STATEMENT_TIMEOUT.toSeconds()))), defaults,
                new Worker(Duration.ofSeconds(e.integer("LEASE_SECONDS").orElse(180)),
                        Duration.ofMillis(e.integer("WORKER_RESERVE_MS").orElse(e.integer("SYNAP_CALL_TIMEOUT_MS").orElse(40_000) + 5_000)),
                        Duration.ofMillis(e.integer("SHARD_RETRY_DELAY_MS").orElse(5_000)),
                        Duration.ofMillis(e.integer("RUN_STATUS_CACHE_MS").orElse(3_000))),
                e.getOr("RATE_SCOPE", "default"),
                new Planner(e.get("WORKER_EVENT_SOURCE_MAPPING_ID"), e.decimal("TUNE_HEADROOM").orElse(1.5)));
    }

    /** The run defaults a planner starts a run with when its event gives none: the source and the run's settings. */
    private static RunConfig runDefaults(Env e) {
        RunConfig.Builder b = RunConfig.builder(sourceFromEnv(e));
        e.integer("BATCH_SIZE").ifPresent(b::batchSize);
        e.integer("RATE_LIMIT_PER_MINUTE").ifPresent(b::rateLimitPerMinute);
        e.integer("SHARD_TARGET_ROWS").ifPresent(b::shardTargetRows);
        e.integer("PAGE_SIZE").ifPresent(b::pageSize);
        e.integer("MAX_DOCUMENT_BYTES").ifPresent(b::maxDocumentBytes);
        if (e.get("SYNAP_MODE") != null) b.mode(e.get("SYNAP_MODE"));
        if (e.get("DOCUMENT_ID_TEMPLATE") != null) b.documentIdTemplate(e.get("DOCUMENT_ID_TEMPLATE"));
        if (e.get("RATE_LIMIT_UNIT") != null) b.rateLimitUnit(e.enumValue("RATE_LIMIT_UNIT", RunConfig.RateLimitUnit.class));
        if (e.get("REQUIRE_CUSTOMER_ID") != null) b.requireCustomerId(Boolean.parseBoolean(e.get("REQUIRE_CUSTOMER_ID")));
        if (e.get("ALLOW_OVERAGE") != null) {
            String v = e.get("ALLOW_OVERAGE");
            if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false"))
                throw new IllegalArgumentException("ALLOW_OVERAGE: must be true or false, was \"" + v + "\"");
            b.allowOverage(Boolean.parseBoolean(v));
        }
        // the template's MaxCredits parameter is 0 for "no cap"
        if (e.get("MAX_CREDITS") != null && !e.get("MAX_CREDITS").isBlank() && !e.get("MAX_CREDITS").trim().equals("0"))
            b.maxCredits(e.longValue("MAX_CREDITS"));
        try {
            return b.build();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("run defaults from the environment: " + ex.getMessage(), ex);
        }
    }

    /** The source contract from SOURCE_* variables, an error naming the variable (not the contract's key). */
    private static SourceConfig sourceFromEnv(Env e) {
        Map<String, String> pairs = columnsFromEnv(e.get("SOURCE_COLUMNS"));
        try {
            MessageShape messages = messagesFromEnv(e.get("SOURCE_SHAPE"), pairs, e.get("SOURCE_USER_ROLES"), e.get("SOURCE_ASSISTANT_ROLES"),
                    e.get("SOURCE_JOINS"), e.get("SOURCE_TEXT_REMOVE"));
            return new SourceConfig(e.get("SOURCE_TABLE"), pairs.isEmpty() || messages != null ? ColumnMapping.DEFAULT : ColumnMapping.of("SOURCE_COLUMNS", pairs),
                    e.get("SOURCE_FILTER"), e.get("SOURCE_SINCE"), e.get("SOURCE_UNTIL"), e.get("SOURCE_TIMESTAMP_ZONE"),
                    e.get("SOURCE_FROM_ID"), e.get("SOURCE_TO_ID"), messages, e.get("SOURCE_QUERY"), e.get("SOURCE_UNDATED_AT"),
                    e.get("SOURCE_ALLOW_FUNCTIONS") == null ? null : java.util.Arrays.asList(e.get("SOURCE_ALLOW_FUNCTIONS").split(",")));
        } catch (IllegalArgumentException ex) {
            String m = ex.getMessage();
            for (String[] k : new String[][] {{"source.filter", "SOURCE_FILTER"}, {"source.since", "SOURCE_SINCE"},
                    {"source.until", "SOURCE_UNTIL"}, {"source.timestampZone", "SOURCE_TIMESTAMP_ZONE"}, {"source.table", "SOURCE_TABLE"}, {"source.query", "SOURCE_QUERY"}, {"source.undatedAt", "SOURCE_UNDATED_AT"},
                    {"source.allowFunctions", "SOURCE_ALLOW_FUNCTIONS"}})
                if (m.startsWith(k[0])) m = k[1] + m.substring(k[0].length());
            throw new IllegalArgumentException(m, ex);
        }
    }

    public Settings {
        java.util.Objects.requireNonNull(synap, "synap");
        java.util.Objects.requireNonNull(source, "source");
        java.util.Objects.requireNonNull(worker, "worker");
        java.util.Objects.requireNonNull(planner, "planner");
        if (!rateScope.matches("[A-Za-z0-9._-]{1,64}")) throw new IllegalArgumentException("RATE_SCOPE: use 1-64 of [A-Za-z0-9._-], was \"" + rateScope + "\"");
    }

    public String requireQueueUrl() {
        if (shardQueueUrl == null) throw new IllegalArgumentException("SHARD_QUEUE_URL: is required");
        return shardQueueUrl;
    }

    public String requireReportBucket() {
        if (reportBucket == null) throw new IllegalArgumentException("REPORT_BUCKET: is required");
        return reportBucket;
    }

    /** Small typed reader over the env map; errors name the variable. */
    private record Env(Map<String, String> env, java.util.Set<String> read) {
        String get(String k) {
            read.add(k);
            String v = env.get(k);
            return v == null || v.isBlank() ? null : v.trim();
        }

        String getOr(String k, String d) {
            String v = get(k);
            return v == null ? d : v;
        }

        String required(String k) {
            String v = get(k);
            if (v == null) throw new IllegalArgumentException(k + ": is required");
            return v;
        }

        Optional<Integer> integer(String k) {
            String v = get(k);
            if (v == null) return Optional.empty();
            try {
                return Optional.of(Integer.parseInt(v));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(k + ": must be a whole number, was \"" + v + "\"");
            }
        }

        long longValue(String k) {
            String v = get(k);
            try {
                long n = Long.parseLong(v);
                if (n < 0) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(k + ": must be a whole number >= 0, was \"" + v + "\"");
            }
        }

        Optional<Double> decimal(String k) {
            String v = get(k);
            if (v == null) return Optional.empty();
            try {
                return Optional.of(Double.parseDouble(v));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(k + ": must be a number, was \"" + v + "\"");
            }
        }

        <E extends Enum<E>> E enumValue(String k, Class<E> type) {
            String v = get(k);
            try {
                return Enum.valueOf(type, v.toUpperCase());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(k + ": must be one of " + java.util.Arrays.toString(type.getEnumConstants()) + ", was \"" + v + "\"");
            }
        }
    }
}
