package com.synapbackfill.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redacts a secret from a message that a foreign library wrote (a JDBC driver's error, say). Secrets are never put
 * into this project's own messages; this is the safety net for others'. Only whole tokens are replaced: a password
 * {@code acc} must not turn "accepting TCP/IP connections" into "&lt;redacted&gt;epting".
 */
public final class Redaction {
    public static final String MARK = "<redacted>";

    private Redaction() {
    }

    public static String secret(String text, String secret) {
        if (text == null) return "";
        String t = text;
        if (secret != null && !secret.isEmpty())
            t = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(secret) + "(?![\\p{L}\\p{N}])").matcher(t).replaceAll(Matcher.quoteReplacement(MARK));
        // connection strings echoed back: password=... up to the next separator, user:password@ in a URL, a bearer token
        return t.replaceAll("(?i)(password=)[^&\\s;]*", "$1" + Matcher.quoteReplacement(MARK))
                .replaceAll("(//[^/@:\\s]*):[^/@\\s]*@", "$1:" + Matcher.quoteReplacement(MARK) + "@")
                .replaceAll("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+", "$1" + Matcher.quoteReplacement(MARK));
    }
}
