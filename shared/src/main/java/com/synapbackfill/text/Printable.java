package com.synapbackfill.text;

/**
 * Text from outside (a source row's ids and values, Synap's error messages, a browser-written timestamp) made safe for a
 * terminal or a log line: every control character is shown as a visible escape, so an ESC cannot set a window title or
 * clear the screen, a BEL cannot ring, and a newline cannot forge a line such as {@code Run X: 0 failures}. JSON output
 * escapes them already; this is for everything printed as text.
 */
public final class Printable {
    private Printable() {
    }

    /** {@code s} with C0 and C1 controls, DEL, and the bidirectional overrides escaped ({@code \n}, {@code \u001b}); null as "null". */
    public static String of(String s) {
        if (s == null) return "null";
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String esc = escape(c);
            if (esc == null) {
                if (out != null) out.append(c);
                continue;
            }
            if (out == null) out = new StringBuilder(s.length() + 16).append(s, 0, i);
            out.append(esc);
        }
        return out == null ? s : out.toString();
    }

    /** Whether {@code s} holds nothing {@link #of} would escape. */
    public static boolean clean(String s) {
        return s == null || of(s) == s;
    }

    private static String escape(char c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            case '\\':
                return null;
            default:
                break;
        }
        boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
                // text direction overrides and isolates reorder what follows them on screen
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
        return control ? String.format("\\u%04x", (int) c) : null;
    }
}
