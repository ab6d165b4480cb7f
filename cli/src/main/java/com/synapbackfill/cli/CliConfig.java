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
    static final Set<String> KEYS = Set.of("jdbcUrl", "dbUser", "table", "query", "allowFunctions", "undatedAt", "columns", "filter", "since", "until", "timestampZone", "fromId", "toId", "synapUrl",
            "rateLimit", "rateUnit", "batchSize", "mode", "shardRows", "pageSize", "maxDocumentBytes", "concurrency", "runId", "stateDir", "stack",
            "plannerFunction", "stateMachine", "ledgerTable", "queueUrl", "reportBucket", "rateScope", "region", "aws",
            "shape", "userRoles", "assistantRoles", "joins", "preset", "textRemove");

    private final JsonNode file;
    private final Map<String, String> env;
    private final JsonNode preset; // below the environment: everything the user gives wins over it
    private final String presetName;

    private CliConfig(JsonNode file, Map<String, String> env) {
        this(file, env, new ObjectMapper().createObjectNode(), null);
    }

    private CliConfig(JsonNode file, Map<String, String> env, JsonNode preset, String presetName) {
        this.file = file;
        this.env = env;
        this.preset = preset;
        this.presetName = presetName;
    }

    /**
     * This configuration over a preset ({@code --preset} or the file's {@code preset:}): the preset's keys are the
     * lowest layer, under the environment, the file and the flags. Unknown names fail, listing the presets.
     */
    CliConfig withPreset(String flag) {
        String name = pick(flag, "preset", null);
        if (name == null || name.equals(presetName)) return this;
        if (presetName != null) throw new IllegalArgumentException("--preset: one preset at a time (" + presetName + " and " + name + ")");
        return new CliConfig(file, env, Presets.load(name, flag != null ? "--preset" : "preset").settings(), name);
    }

    /** The preset in use, or null. */
    String presetName() {
        return presetName;
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
        String e = envVar == null ? null : env.get(envVar);
        if (e != null && !e.isBlank()) return e;
        if (preset.hasNonNull(key) && !preset.get(key).isContainerNode()) return preset.get(key).asText();
        return null;
    }

    /** Where {@link #pick} found {@code key} when no flag was given: "the file", "ENV_VAR", "preset NAME", or null. */
    String origin(String key, String envVar) {
        if (file.hasNonNull(key)) return key;
        if (envVar != null && env.get(envVar) != null && !env.get(envVar).isBlank()) return envVar;
        if (preset.hasNonNull(key)) return "preset " + presetName + " (" + key + ")";
        return null;
    }

    /** A list key ({@code joins:}, {@code userRoles:}) of the file, else the environment's {@code envVar}, else the preset's: a YAML list or one comma-separated text; null when absent. */
    java.util.List<String> list(String key, String envVar) {
        JsonNode n = file.get(key);
        if ((n == null || n.isNull()) && envVar != null && env(envVar) != null) n = new ObjectMapper().getNodeFactory().textNode(env(envVar));
        if (n == null || n.isNull()) n = preset.get(key);
        if (n == null || n.isNull()) return null;
        java.util.List<String> out = new java.util.ArrayList<>();
        if (n.isArray()) n.forEach(e -> out.add(e.asText()));
        else if (n.isValueNode()) {
            for (String part : n.asText().split(",")) {
                if (!part.isBlank()) out.add(part.trim());
            }
        } else throw new IllegalArgumentException("--config: " + key + " must be a list, was " + n);
        return out;
    }

    /** The preset's {@code columns:} map (the lowest layer of a mapping); empty when none. */
    Map<String, String> presetMap(String key) {
        JsonNode n = preset.get(key);
        if (n == null || !n.isObject()) return Map.of();
        Map<String, String> out = new java.util.LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        return out;
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
