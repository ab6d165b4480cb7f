package com.synapbackfill.synap;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How the client talks to Synap. The API key never appears in {@link #toString()}.
 *
 * @param baseUrl        e.g. {@code https://synap-cloud-prod.maximem.ai} (env SYNAP_BASE_URL)
 * @param apiKey         bearer key
 * @param connectTimeout TCP connect
 * @param readTimeout    per read (SDK: 30 s)
 * @param writeTimeout   per write
 * @param callTimeout    whole attempt; must fit inside the worker's time budget
 * @param maxAttempts    HTTP attempts per batch, retries included
 * @param maxRetryTime   total time a batch may spend in retries
 * @param backoffBase    first backoff ceiling (full jitter: random in [0, base·2^n])
 * @param backoffMax     backoff ceiling
 */
public record SynapClientConfig(String baseUrl, String apiKey, Duration connectTimeout, Duration readTimeout,
                                Duration writeTimeout, Duration callTimeout, int maxAttempts, Duration maxRetryTime,
                                Duration backoffBase, Duration backoffMax) {
    public static final String DEFAULT_BASE_URL = "https://synap-cloud-prod.maximem.ai";

    public SynapClientConfig {
        if (baseUrl == null || baseUrl.isBlank()) throw new IllegalArgumentException("SYNAP_BASE_URL: is required");
        URI uri;
        try {
            uri = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SYNAP_BASE_URL: not a URL: " + baseUrl);
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()))
            throw new IllegalArgumentException("SYNAP_BASE_URL: must be http(s)://..., was " + baseUrl);
        if (uri.getRawUserInfo() != null)
            throw new IllegalArgumentException("SYNAP_BASE_URL: holds credentials (user:password@); the key goes in SYNAP_API_KEY, never in the URL");
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (apiKey == null || apiKey.isBlank()) throw new IllegalArgumentException("SYNAP_API_KEY: is required (or SYNAP_API_KEY_SECRET_ARN in Lambda)");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(callTimeout, "callTimeout");
        if (maxAttempts < 1 || maxAttempts > 20) throw new IllegalArgumentException("SYNAP_MAX_ATTEMPTS: must be 1..20, was " + maxAttempts);
        Objects.requireNonNull(maxRetryTime, "maxRetryTime");
        Objects.requireNonNull(backoffBase, "backoffBase");
        Objects.requireNonNull(backoffMax, "backoffMax");
    }

    /**
     * Defaults: SDK timeouts (connect 5 s, read 30 s, write 10 s), 8 attempts within 2 minutes, the first retry within
     * 100 ms (a lone 503 or dropped connection costs a worker ~50 ms, not ~250 ms: bench {@code faults}), doubling.
     */
    public static SynapClientConfig defaults(String baseUrl, String apiKey) {
        return new SynapClientConfig(baseUrl, apiKey, Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(40), 8, Duration.ofMinutes(2), Duration.ofMillis(100),
                Duration.ofSeconds(20));
    }

    /** A deployment's client settings (SYNAP_* timeouts and retry budget) with {@code apiKey}. */
    public static SynapClientConfig of(com.synapbackfill.config.Settings.Synap s, String apiKey) {
        return new SynapClientConfig(s.baseUrl(), apiKey, s.connectTimeout(), s.readTimeout(), Duration.ofSeconds(10),
                s.callTimeout(), s.maxAttempts(), s.maxRetryTime(), s.backoffBase(), s.backoffMax());
    }

    /**
     * Refuses plain {@code http://} to a host that is not this machine: the API key and every chat text would cross
     * the network in clear. {@code allowed} is the operator's explicit choice ({@code --allow-plain-http},
     * SYNAP_ALLOW_PLAIN_HTTP=true). Loopback (the emulator, a local tunnel) is always fine.
     */
    public static void requireSecure(String field, String baseUrl, boolean allowed) {
        if (baseUrl == null || allowed) return;
        URI uri;
        try {
            uri = URI.create(baseUrl.trim());
        } catch (IllegalArgumentException e) {
            return; // the constructor names what is wrong with it
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) return;
        String host = uri.getHost();
        boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        if (!loopback)
            throw new IllegalArgumentException(field + ": http://" + host + " is not encrypted: the API key and every chat text would "
                    + "cross the network in clear. Use https://, or pass --allow-plain-http (SYNAP_ALLOW_PLAIN_HTTP=true) if you mean it");
    }

    public SynapClientConfig withTimeouts(Duration connect, Duration read, Duration call) {
        return new SynapClientConfig(baseUrl, apiKey, connect, read, writeTimeout, call, maxAttempts, maxRetryTime,
                backoffBase, backoffMax);
    }

    public SynapClientConfig withRetries(int attempts, Duration maxTime, Duration base, Duration max) {
        return new SynapClientConfig(baseUrl, apiKey, connectTimeout, readTimeout, writeTimeout, callTimeout, attempts,
                maxTime, base, max);
    }

    @Override
    public String toString() {
        return "SynapClientConfig[baseUrl=" + baseUrl + ", apiKey=<redacted>, connectTimeout=" + connectTimeout
                + ", readTimeout=" + readTimeout + ", callTimeout=" + callTimeout + ", maxAttempts=" + maxAttempts
                + ", maxRetryTime=" + maxRetryTime + "]";
    }
}
