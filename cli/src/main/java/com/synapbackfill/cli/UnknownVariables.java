package com.synapbackfill.cli;

import com.synapbackfill.config.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Variables that look like the tool's but that nothing reads: any {@code SYNAP_*} or {@code SOURCE_*} one, and any other
 * within two letters of a known name ({@code RATE_LIMIT_PER_MINUT}). A typo such as {@code SYNAP_URL} for
 * {@code SYNAP_BASE_URL} would otherwise send a run to the production API without a word. Each is named with the known
 * variable it most likely meant.
 */
final class UnknownVariables {
    private static final List<String> PREFIXES = List.of("SYNAP_", "SOURCE_");

    private UnknownVariables() {
    }

    /** One warning per unknown variable of the tool's prefixes in {@code env}, in name order. */
    static List<String> warnings(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            if (Settings.KNOWN_ENV.contains(name)) continue;
            String meant = PREFIXES.stream().anyMatch(name::startsWith) ? nearest(name) : misspelt(name);
            if (meant != null)
                out.add("Warning: " + name + " is set, but backfill reads no such variable (did you mean " + meant + "?); it has no effect");
        }
        return out;
    }

    /** Another prefix's variable one or two letters from a known one ({@code RATE_LIMIT_PER_MINUT}); null for the rest of the environment. */
    static String misspelt(String name) {
        if (name.length() < 8) return null;
        return Settings.KNOWN_ENV.stream().filter(k -> distance(name, k) <= 2)
                .min(Comparator.comparingInt((String k) -> distance(name, k)).thenComparing(Comparator.naturalOrder())).orElse(null);
    }

    /** The known variable with the most words in common (after the prefix), the closest spelling among equals. */
    static String nearest(String name) {
        Set<String> words = Set.copyOf(Arrays.asList(name.split("_")));
        String prefix = name.substring(0, name.indexOf('_') + 1);
        return Settings.KNOWN_ENV.stream().filter(k -> k.startsWith(prefix))
                .min(Comparator.comparingInt((String k) -> -shared(words, k)).thenComparingInt(k -> distance(name, k))
                        .thenComparing(Comparator.naturalOrder()))
                .orElse("a variable of docs/deploy.md");
    }

    private static int shared(Set<String> words, String known) {
        int n = 0;
        for (String w : known.split("_")) if (words.contains(w)) n++;
        return n;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
