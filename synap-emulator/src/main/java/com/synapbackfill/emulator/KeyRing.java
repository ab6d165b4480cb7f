package com.synapbackfill.emulator;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API keys the emulator knows: those of its settings and those added at runtime, and the switches that make a key
 * answer 401 (revoked) or 403 (forbidden) until restored.
 */
final class KeyRing {
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final Map<String, EmulatorSettings.Instance> extra = new ConcurrentHashMap<>();

    void revoke(String apiKey) {
        revoked.add(apiKey);
    }

    void forbid(String apiKey) {
        forbidden.add(apiKey);
    }

    void restore(String apiKey) {
        revoked.remove(apiKey);
        forbidden.remove(apiKey);
    }

    void add(String apiKey, EmulatorSettings.Instance instance) {
        extra.put(apiKey, instance);
    }

    /** The Instance the call's bearer key resolves to; a 401 or 403 {@link Reply.Refusal} otherwise. */
    EmulatorSettings.Instance authenticate(Call call, EmulatorSettings s) {
        String key = call.bearerToken();
        EmulatorSettings.Instance inst = key == null ? null : s.instances().get(key);
        if (inst == null && key != null) inst = extra.get(key);
        if (inst == null || revoked.contains(key))
            throw Reply.error(401, key == null ? "Missing bearer token" : "Invalid or revoked API key").refusal();
        if (forbidden.contains(key))
            throw Reply.error(403, "API key is not allowed to ingest into this instance").refusal();
        return inst;
    }
}
