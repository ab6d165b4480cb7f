package com.synapbackfill.cli;

import com.synapbackfill.synap.SynapClientConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The source database and Synap, for every command that reads rows or sends documents from this machine
 * ({@code run}, local {@code start}/{@code resume}, {@code retry-failures}). Secrets never come from flags or
 * files: SOURCE_DB_PASSWORD and SYNAP_API_KEY from the environment only.
 */
final class SourceOptions {
    @Option(names = "--jdbc-url", description = "source database (env SOURCE_JDBC_URL)") String jdbcUrl;
    @Option(names = "--db-user", description = "database user (env SOURCE_DB_USER; password from SOURCE_DB_PASSWORD)") String dbUser;
    @Option(names = "--synap-url", description = "Synap base URL (env SYNAP_BASE_URL; default the production API)") String synapUrl;
    @Option(names = "--allow-plain-http", description = "allow an http:// Synap URL on another machine (the key and the chat text "
            + "cross the network unencrypted; env SYNAP_ALLOW_PLAIN_HTTP)") boolean allowPlainHttp;

    /** What the command needs from this machine. */
    enum Needs {
        /** plan a run here: the database */
        PLAN,
        /** read and send rows here: the database and the Synap key */
        SEND
    }

    /**
     * The environment a local planner or worker gets (SOURCE_*, SYNAP_*, and the run settings when given).
     * Each missing value is an error naming the flag, the file key and the variable.
     */
    Map<String, String> env(CliConfig c, Needs needs, RunSettingsOptions settings) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOURCE_JDBC_URL", required(c.pick(jdbcUrl, "jdbcUrl", "SOURCE_JDBC_URL"), "--jdbc-url (or jdbcUrl, SOURCE_JDBC_URL)"));
        env.put("SOURCE_DB_USER", required(c.pick(dbUser, "dbUser", "SOURCE_DB_USER"), "--db-user (or dbUser, SOURCE_DB_USER)"));
        putIf(env, "SOURCE_DB_PASSWORD", c.env("SOURCE_DB_PASSWORD"));
        putIf(env, "SOURCE_STATEMENT_TIMEOUT_SECONDS", c.env("SOURCE_STATEMENT_TIMEOUT_SECONDS"));
        // the Synap client's timeouts and retry budget (docs/deploy.md), which a local run used to drop
        for (String tuning : SYNAP_TUNING) putIf(env, tuning, c.env(tuning));
        String url = c.pick(synapUrl, "synapUrl", "SYNAP_BASE_URL");
        env.put("SYNAP_BASE_URL", url == null ? SynapClientConfig.DEFAULT_BASE_URL : url);
        boolean plain = allowPlainHttp || Boolean.parseBoolean(c.env("SYNAP_ALLOW_PLAIN_HTTP"));
        SynapClientConfig.requireSecure(synapUrl != null ? "--synap-url" : "SYNAP_BASE_URL", url, plain);
        if (plain) env.put("SYNAP_ALLOW_PLAIN_HTTP", "true");
        if (needs == Needs.SEND) {
            String key = c.env("SYNAP_API_KEY");
            if (key == null) throw new IllegalArgumentException("SYNAP_API_KEY: is required in the environment");
            env.put("SYNAP_API_KEY", key);
        }
        if (settings != null) env.putAll(settings.env(c));
        return env;
    }

    /** The Synap client's settings read from the environment as they are. */
    static final java.util.List<String> SYNAP_TUNING = java.util.List.of("SYNAP_CONNECT_TIMEOUT_MS", "SYNAP_READ_TIMEOUT_MS",
            "SYNAP_CALL_TIMEOUT_MS", "SYNAP_MAX_ATTEMPTS", "SYNAP_MAX_RETRY_SECONDS", "SYNAP_BACKOFF_BASE_MS", "SYNAP_BACKOFF_MAX_MS");

    /**
     * The source connection of a command that reads the database on this machine ({@code run}'s checks, {@code estimate}),
     * with SOURCE_STATEMENT_TIMEOUT_SECONDS as the workers have it: a statement the database does not finish in time is
     * cancelled, and a silent connection dropped a little after, instead of waiting the default five minutes.
     */
    static com.synapbackfill.source.JdbcConnectionSettings connection(String jdbcUrl, String user, String password, String timeoutSeconds) {
        java.time.Duration timeout = timeoutSeconds == null ? null
                : java.time.Duration.ofSeconds(CliConfig.integer(timeoutSeconds, "SOURCE_STATEMENT_TIMEOUT_SECONDS"));
        return new com.synapbackfill.source.JdbcConnectionSettings(jdbcUrl, user, password, timeout);
    }

    static String required(String v, String what) {
        if (v == null) throw new IllegalArgumentException(what + ": is required");
        return v;
    }

    static void putIf(Map<String, String> env, String k, String v) {
        if (v != null) env.put(k, v);
    }
}
