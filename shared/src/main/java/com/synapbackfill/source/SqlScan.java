package com.synapbackfill.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * SQL text cut into what a checker must tell apart: code, string literals, quoted identifiers and comments, read the
 * way one database family reads them. PostgreSQL has dollar quotes ({@code $tag$...$tag$}), nested block comments and,
 * with {@code standard_conforming_strings} off or in {@code E'...'}, backslash escapes; MySQL and MariaDB escape with a
 * backslash unless {@code NO_BACKSLASH_ESCAPES}, quote identifiers with backticks and comment with {@code #}. A checker
 * that reads a query one way while the server reads it another lets a statement hide inside what it took for a literal,
 * so {@link SourceQuery} scans every query under each {@link Reading} and must find it harmless under all of them.
 */
final class SqlScan {
    private SqlScan() {
    }

    /** One way a server may read the text. */
    record Reading(String name, boolean backslashEscapes, boolean dollarQuotes, boolean hashComments) {
        /** Every reading a query must pass: each family, with and without backslash escapes. */
        static final List<Reading> ALL = List.of(
                new Reading("PostgreSQL", false, true, false),
                new Reading("PostgreSQL without standard_conforming_strings", true, true, false),
                new Reading("MySQL/MariaDB", true, false, true),
                new Reading("MySQL/MariaDB with NO_BACKSLASH_ESCAPES", false, false, true));
    }

    /** A call of a function: its name as written (unquoted names in lower case), the schema it names or null, and where. */
    record Call(String name, String schema, int at) {
        String qualified() {
            return schema == null ? name : schema + "." + name;
        }
    }

    /**
     * What a reading found: the code with literals, quoted identifiers and comments blanked (their length kept), and the
     * function calls.
     */
    record Result(String code, List<Call> calls) {
    }

    private enum Kind { WORD, QUOTED, PUNCT, LITERAL }

    private record Token(Kind kind, String text, int at) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equalsIgnoreCase(word);
        }

        boolean punct(String p) {
            return kind == Kind.PUNCT && text.equals(p);
        }
    }

    /** Words that take a parenthesis after them without being a function. */
    private static final Set<String> NOT_CALLS = Set.of("select", "from", "where", "and", "or", "not", "on", "when", "then", "else",
            "case", "by", "having", "distinct", "all", "any", "some", "in", "is", "like", "ilike", "between", "join", "lateral", "with",
            "recursive", "union", "except", "intersect", "minus", "exists", "using", "over", "partition", "limit", "offset", "values",
            "array", "row", "filter", "within", "group", "order", "as", "columns", "path", "nested", "interval", "similar", "escape",
            "return", "returning", "materialized", "end", "cross", "inner", "left", "right", "full", "outer", "natural", "for", "into",
            "set", "table", "only", "fetch", "window", "rows", "range", "groups", "tablesample", "repeatable", "ordinality", "exclude",
            "preceding", "following", "unbounded", "current", "collate", "at", "zone", "asc", "desc", "nulls", "first", "last", "ties");

    /** The text read as {@code r} reads it; an unterminated literal or comment is an error naming where it starts. */
    static Result scan(String sql, Reading r) {
        List<Token> tokens = new ArrayList<>();
        StringBuilder code = new StringBuilder(sql.length());
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            int start = i;
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-' || r.hashComments() && c == '#') {
                while (i < n && sql.charAt(i) != '\n') i++;
                blank(code, start, i);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = blockCommentEnd(sql, i, r);
                blank(code, start, i);
            } else if (c == '\'' || (c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'' && !wordBefore(sql, i)) {
                boolean escapes = r.backslashEscapes() || c != '\'';
                i = quotedEnd(sql, c == '\'' ? i : i + 1, '\'', escapes, "a string literal");
                tokens.add(new Token(Kind.LITERAL, sql.substring(start, i), start));
                blank(code, start, i);
            } else if (c == '"' || c == '`') {
                // MySQL reads "..." as a string unless ANSI_QUOTES: a backslash escape may apply inside
                i = quotedEnd(sql, i, c, c == '"' && r.backslashEscapes() && r.hashComments(), "a quoted identifier");
                tokens.add(new Token(Kind.QUOTED, sql.substring(start + 1, i - 1).replace(String.valueOf(c) + c, String.valueOf(c)), start));
                blank(code, start, i);
            } else if (r.dollarQuotes() && c == '$' && dollarTag(sql, i) != null && !wordBefore(sql, i)) {
                String tag = dollarTag(sql, i);
                int end = sql.indexOf(tag, i + tag.length());
                if (end < 0) throw new IllegalArgumentException("a dollar-quoted literal (" + tag + ") at character " + (i + 1) + " is never closed");
                i = end + tag.length();
                tokens.add(new Token(Kind.LITERAL, sql.substring(start, i), start));
                blank(code, start, i);
            } else if (Character.isLetter(c) || c == '_') {
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) i++;
                tokens.add(new Token(Kind.WORD, sql.substring(start, i), start));
                code.append(sql, start, i);
            } else if (Character.isWhitespace(c)) {
                i++;
                code.append(c);
            } else {
                i++;
                if (c == ':' && i < n && sql.charAt(i) == ':') i++;
                if (!Character.isDigit(c)) tokens.add(new Token(Kind.PUNCT, sql.substring(start, i), start));
                code.append(sql, start, i);
            }
        }
        return new Result(code.toString(), calls(tokens));
    }

    /** The function calls among the tokens: a name and a parenthesis, that is no keyword, type, alias or CTE's column list. */
    private static List<Call> calls(List<Token> t) {
        List<Call> out = new ArrayList<>();
        for (int k = 0; k + 1 < t.size(); k++) {
            Token name = t.get(k);
            if (name.kind() != Kind.WORD && name.kind() != Kind.QUOTED || !t.get(k + 1).punct("(")) continue;
            if (name.kind() == Kind.WORD && NOT_CALLS.contains(name.text().toLowerCase(Locale.ROOT))) continue;
            String schema = null;
            int before = k - 1;
            if (before >= 1 && t.get(before).punct(".") && (t.get(before - 1).kind() == Kind.WORD || t.get(before - 1).kind() == Kind.QUOTED)) {
                schema = ident(t.get(before - 1));
                before -= 2;
            }
            if (before >= 0) {
                Token prev = t.get(before);
                // a type (x::numeric(10,2), CAST(x AS varchar(36))), an alias's column list (AS m(value, ord), ) t(a))
                // (an alias's column list without AS, FROM chat c(x), is read as a call: a checker errs on the side of refusing)
                if (prev.punct("::") || prev.is("as") || prev.punct(")")) continue;
            }
            // a CTE's column list: name (a, b) AS (...)
            int close = matching(t, k + 1);
            if (close > 0 && close + 2 < t.size() && t.get(close + 1).is("as")
                    && (t.get(close + 2).punct("(") || t.get(close + 2).is("materialized") || t.get(close + 2).is("not"))) continue;
            out.add(new Call(ident(name), schema, name.at()));
        }
        return out;
    }

    private static String ident(Token t) {
        return t.kind() == Kind.QUOTED ? t.text() : t.text().toLowerCase(Locale.ROOT);
    }

    private static int matching(List<Token> t, int open) {
        int depth = 0;
        for (int k = open; k < t.size(); k++) {
            if (t.get(k).punct("(")) depth++;
            else if (t.get(k).punct(")") && --depth == 0) return k;
        }
        return -1;
    }

    /** Whether a letter, digit, _ or $ stands right before {@code i} (then E' and $ are part of a word, not a literal). */
    private static boolean wordBefore(String s, int i) {
        if (i == 0) return false;
        char p = s.charAt(i - 1);
        return Character.isLetterOrDigit(p) || p == '_' || p == '$';
    }

    /** {@code $$} or {@code $tag$} at {@code i}, else null ({@code $1} is a parameter, not a quote). */
    private static String dollarTag(String s, int i) {
        int j = i + 1;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            if (j == i + 1 && Character.isDigit(s.charAt(j))) return null;
            j++;
        }
        return j < s.length() && s.charAt(j) == '$' ? s.substring(i, j + 1) : null;
    }

    /** The end (exclusive) of a quoted run opened at {@code i}: a doubled quote stays inside; a backslash escapes when told. */
    private static int quotedEnd(String s, int i, char q, boolean backslash, String what) {
        int j = i + 1;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (backslash && c == '\\') {
                j += 2;
                continue;
            }
            if (c == q) {
                if (j + 1 < s.length() && s.charAt(j + 1) == q) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j++;
        }
        throw new IllegalArgumentException(what + " at character " + (i + 1) + " is never closed");
    }

    /** The end of a block comment opened at {@code i}; PostgreSQL nests them, MySQL does not. */
    private static int blockCommentEnd(String s, int i, Reading r) {
        int depth = 0;
        int j = i;
        while (j + 1 < s.length()) {
            if (s.charAt(j) == '/' && s.charAt(j + 1) == '*') {
                depth++;
                j += 2;
                if (!r.dollarQuotes() && depth > 1) depth = 1;
            } else if (s.charAt(j) == '*' && s.charAt(j + 1) == '/') {
                j += 2;
                if (--depth == 0) return j;
            } else {
                j++;
            }
        }
        throw new IllegalArgumentException("a comment at character " + (i + 1) + " is never closed");
    }

    private static void blank(StringBuilder code, int from, int to) {
        for (int k = from; k < to; k++) code.append(' ');
    }
}
