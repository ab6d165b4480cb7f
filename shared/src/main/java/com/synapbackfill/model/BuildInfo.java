package com.synapbackfill.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * This build's release version and the commit it was built from, as the build wrote them: printed by {@code backfill
 * --version}, stamped into every report and into the ledger's run item (so a newer or older version reading a run can
 * name the one that wrote it).
 */
public final class BuildInfo {
    private static final Properties PROPS = load();

    private BuildInfo() {
    }

    /** The release version, e.g. {@code 0.2.0}; {@code unknown} outside a build (classes run from an IDE). */
    public static String version() {
        return value("version", "unknown");
    }

    /** The commit's short id, with {@code -dirty} when the tree had changes; {@code unknown} without one. */
    public static String commit() {
        String c = value("commit", "unknown");
        return "true".equals(value("dirty", "false")) ? c + "-dirty" : c;
    }

    /** {@code synap-backfill 0.2.0 (commit 1a2b3c4)}. */
    public static String describe() {
        return "synap-backfill " + version() + " (commit " + commit() + ")";
    }

    private static String value(String key, String otherwise) {
        String v = PROPS.getProperty(key);
        return v == null || v.isBlank() || v.startsWith("${") ? otherwise : v;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/synap-backfill/build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // no build information: "unknown"
        }
        return p;
    }
}
