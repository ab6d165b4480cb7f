package com.synapbackfill.source;

import java.util.regex.Pattern;

/**
 * Table and column names come from configuration, so they are validated against a strict pattern and then
 * quoted; values are always bound parameters. A name like {@code turns; DROP TABLE x} never reaches SQL.
 */
public final class SqlIdentifiers {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");

    private SqlIdentifiers() {
    }

    /** Validates one identifier; {@code field} names the setting in the error. */
    public static String requireName(String field, String name) {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException(field + ": not a valid SQL identifier (letters, digits, _ and $, "
                    + "starting with a letter or _, at most 63): " + (name == null ? "null" : '"' + abbreviate(name) + '"'));
        return name;
    }

    /** Validates {@code table} or {@code schema.table}. */
    public static String requireTable(String field, String table) {
        if (table == null) throw new IllegalArgumentException(field + ": is required");
        String[] parts = table.split("\\.", -1);
        if (parts.length > 2) throw new IllegalArgumentException(field + ": use table or schema.table, was \"" + abbreviate(table) + '"');
        for (String p : parts) requireName(field, p);
        return table;
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
