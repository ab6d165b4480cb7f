package com.synapbackfill.synap;

import java.util.Locale;

/** Credit amounts as people read them: the one format of the preflight line, a cap's stop and a 402's reason. */
public final class Credits {
    private Credits() {
    }

    /** Whole numbers without decimals, grouped ("50,000"); anything else with two decimals. */
    public static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%,d", (long) v);
        return String.format(Locale.ROOT, "%,.2f", v);
    }
}
