package com.synapbackfill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.synapbackfill.json.Json;
import java.util.Map;
import java.util.function.Function;

/**
 * Resolves secrets once per cold start: from Secrets Manager by ARN in Lambda, from an env var locally.
 * Values are returned to the caller and never logged.
 */
public final class Secrets {
    private final Map<String, String> env;
    private final Function<String, String> secretById;

    /** @param secretById reads a secret string by ARN (Secrets Manager GetSecretValue) */
    public Secrets(Map<String, String> env, Function<String, String> secretById) {
        this.env = env;
        this.secretById = secretById;
    }

    /** The Synap API key: SYNAP_API_KEY_SECRET_ARN (plain string or {"apiKey": ...}) or SYNAP_API_KEY. */
    public String synapApiKey(Settings s) {
        if (s.synap().apiKeySecretArn() != null) {
            String raw = secretById.apply(s.synap().apiKeySecretArn());
            return fieldOrRaw(raw, "apiKey", "SYNAP_API_KEY_SECRET_ARN");
        }
        String key = env.get("SYNAP_API_KEY");
        if (key == null || key.isBlank()) throw new IllegalArgumentException("SYNAP_API_KEY: is required (or SYNAP_API_KEY_SECRET_ARN)");
        return key.trim();
    }

    /** The DB password: SOURCE_DB_SECRET_ARN (RDS-style {"username","password"}) or SOURCE_DB_PASSWORD. */
    public String dbPassword(Settings s) {
        if (s.source().dbSecretArn() != null) return fieldOrRaw(secretById.apply(s.source().dbSecretArn()), "password", "SOURCE_DB_SECRET_ARN");
        return env.get("SOURCE_DB_PASSWORD");
    }

    /** The DB user: SOURCE_DB_USER, else the secret's "username". */
    public String dbUser(Settings s) {
        if (s.source().dbUser() != null) return s.source().dbUser();
        if (s.source().dbSecretArn() != null) return fieldOrRaw(secretById.apply(s.source().dbSecretArn()), "username", "SOURCE_DB_SECRET_ARN");
        throw new IllegalArgumentException("SOURCE_DB_USER: is required (or SOURCE_DB_SECRET_ARN with a username)");
    }

    private static String fieldOrRaw(String raw, String field, String var) {
        if (raw == null) throw new IllegalArgumentException(var + ": the secret has no string value");
        String t = raw.trim();
        if (t.startsWith("{")) {
            try {
                JsonNode n = Json.MAPPER.readTree(t);
                if (n.hasNonNull(field)) return n.get(field).asText();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(var + ": the secret is not valid JSON");
            }
            throw new IllegalArgumentException(var + ": the secret JSON has no \"" + field + "\"");
        }
        return t;
    }
}
