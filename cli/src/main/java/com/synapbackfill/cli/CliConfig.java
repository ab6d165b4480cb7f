package com.synapbackfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Where a setting comes from, in order of precedence: a command-line flag, the YAML file of {@code --config}
 * (keys are the long option names in camelCase), then an environment variable. A file key no command knows is
 * an error naming it, so a typo never silently falls back to a default.
 */
final class CliConfig {
    /** Every key a config file may hold (the options of run, start, resume and retry-failures). */
    static final Set<String> KEYS = Set.of("jdbcUrl", "dbUser", "table", "columns", "filter", "since", "until", "timestampZone", "fromId", "toId", "synapUrl",
            "rateLimit", "rateUnit", "batchSize", "mode", "shardRows", "concurrency", "runId", "stateDir", "stack",
            "plannerFunction", "stateMachine", "ledgerTable", "queueUrl", "reportBucket", "rateScope", "region", "aws");

    private final JsonNode file;
    private final Map<String, String> env;

    private CliConfig(JsonNode file, Map<String, String> env) {
        this.file = file;
        this.env = env;
    }

    static CliConfig load(Path config, Map<String, String> env) {
        if (config == null) return new CliConfig(new ObjectMapper().createObjectNode(), env);
        try {
            JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(config));
            if (n == null || !n.isObject()) throw new IllegalArgumentException("--config: " + config + " is not a YAML mapping");
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!KEYS.contains(k))
                    throw new IllegalArgumentException("--config: unknown key \"" + k + "\" in " + config + "; known: " + new java.util.TreeSet<>(KEYS));
            }
            return new CliConfig(n, env);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config: cannot read " + config + ": " + e.getMessage());
        }
    }

    /** The flag's value, else the file's {@code key}, else the environment's {@code envVar} (may be null: none). */
    String pick(Object flag, String key, String envVar) {
        if (flag != null) return flag.toString();
        if (file.hasNonNull(key)) {
            if (file.get(key).isContainerNode()) throw new IllegalArgumentException("--config: " + key + " must be a single value, was " + file.get(key));
            return file.get(key).asText();
        }
        if (envVar == null) return null;
        String e = env.get(envVar);
        return e == null || e.isBlank() ? null : e;
    }

    /** A mapping key of the file ({@code columns:}), as text values; empty when absent. */
    Map<String, String> map(String key) {
        JsonNode n = file.get(key);
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw new IllegalArgumentException("--config: " + key + " must be a mapping (FIELD: COLUMN), was " + n);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        return out;
    }

    String env(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    static int integer(String v, String field) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": must be a whole number, was \"" + v + "\"");
        }
    }
}
