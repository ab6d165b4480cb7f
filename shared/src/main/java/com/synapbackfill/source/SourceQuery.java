package com.synapbackfill.source;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.Statements;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * A query as the source ({@code --query}, {@code source.query}): one read-only SELECT, read as a derived table
 * ({@code (query) sb_q}) and sharded by its id or conversation column like a table. Checked with a real SQL parser
 * before the database is contacted: one statement, a SELECT (a UNION of SELECTs, a WITH of SELECTs), no writes, no
 * locking clause, no {@code SELECT ... INTO}. It runs on a read-only session with a statement timeout, which
 * stand behind the parser: what the parser let through still cannot write or wait for ever.
 */
public final class SourceQuery {
    /** Locking clauses, found outside string literals whatever the parser made of them. */
    private static final Pattern LOCKING = Pattern.compile(
            "\\bFOR\\s+(UPDATE|SHARE|NO\\s+KEY\\s+UPDATE|KEY\\s+SHARE)\\b|\\bLOCK\\s+IN\\s+SHARE\\s+MODE\\b", Pattern.CASE_INSENSITIVE);
    private static final int MAX_LENGTH = 100_000;

    private SourceQuery() {
    }

    /**
     * The query as it will run (a trailing {@code ;} dropped), or an error naming {@code field} and what it refused.
     *
     * @throws IllegalArgumentException when it is not one read-only SELECT
     */
    public static String check(String field, String sql) {
        if (sql == null || sql.isBlank()) throw new IllegalArgumentException(field + ": is empty");
        String q = sql.strip();
        while (q.endsWith(";")) q = q.substring(0, q.length() - 1).stripTrailing();
        if (q.length() > MAX_LENGTH) throw new IllegalArgumentException(field + ": is " + q.length() + " characters; at most " + MAX_LENGTH);
        String code = outsideLiterals(q);
        if (code.indexOf(';') >= 0) throw new IllegalArgumentException(field + ": holds two statements (';'); give one SELECT");
        if (LOCKING.matcher(code).find())
            throw new IllegalArgumentException(field + ": a locking clause (" + LOCKING.matcher(code).results().findFirst().orElseThrow().group()
                    + ") is not allowed; a backfill only reads");
        Statements parsed;
        try {
            parsed = CCJSqlParserUtil.parseStatements(q);
        } catch (JSQLParserException | RuntimeException e) {
            // a database's own syntax the parser does not know (MariaDB's JSON_TABLE, say): checked by its words instead,
            // and it still runs on a read-only session
            checkWords(field, code, firstLine(e));
            return q;
        }
        if (parsed.size() != 1) throw new IllegalArgumentException(field + ": holds " + parsed.size() + " statements; give one SELECT");
        Statement st = parsed.get(0);
        if (!(st instanceof Select select)) throw new IllegalArgumentException(field + ": is " + kind(st) + "; only a SELECT is allowed");
        checkSelect(field, select);
        return q;
    }

    private static final Pattern FIRST_WORD = Pattern.compile("^\\s*\\(*\\s*(SELECT|WITH)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern WRITING = Pattern.compile(
            "\\b(INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE\\s+INTO|TRUNCATE|DROP|ALTER|CREATE|GRANT|REVOKE|CALL|EXEC|EXECUTE|COPY|LOCK|INTO|HANDLER|LOAD)\\b",
            Pattern.CASE_INSENSITIVE);

    /** The checks of a query the parser cannot read: it starts as a SELECT, and no word of it writes or locks. */
    private static void checkWords(String field, String code, String parserSaid) {
        if (!FIRST_WORD.matcher(code).find())
            throw new IllegalArgumentException(field + ": is not a SELECT (the parser says: " + parserSaid + ")");
        var w = WRITING.matcher(code);
        if (w.find())
            throw new IllegalArgumentException(field + ": holds " + w.group(1).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ")
                    + ", which is not allowed; only a plain SELECT is (the parser could not read the query: " + parserSaid + ")");
    }

    private static void checkSelect(String field, Select s) {
        if (s.getWithItemsList() != null) {
            for (WithItem<?> w : s.getWithItemsList()) {
                // the generic getters cast blindly: ask what the item holds
                Object inner = w.getParenthesedStatement();
                if (!(inner instanceof ParenthesedSelect sel)) {
                    String name = inner == null ? "a statement" : inner.getClass().getSimpleName().replace("Parenthesed", "").toUpperCase(Locale.ROOT);
                    throw new IllegalArgumentException(field + ": WITH " + w.getAliasName() + " holds " + ("AEIOU".indexOf(name.charAt(0)) >= 0 ? "an " : "a ")
                            + name + "; only SELECTs are allowed");
                }
                checkSelect(field, sel);
            }
        }
        if (s instanceof PlainSelect p && p.getIntoTables() != null && !p.getIntoTables().isEmpty())
            throw new IllegalArgumentException(field + ": SELECT ... INTO writes a table; only a plain SELECT is allowed");
        if (s.getForMode() != null || s.getForUpdateTable() != null)
            throw new IllegalArgumentException(field + ": a locking clause (FOR " + s.getForMode() + ") is not allowed; a backfill only reads");
        if (s instanceof SetOperationList u) {
            for (Select x : u.getSelects()) checkSelect(field, x);
        } else if (s instanceof ParenthesedSelect ps) {
            checkSelect(field, ps.getSelect());
        }
    }

    private static String kind(Statement st) {
        String name = st.getClass().getSimpleName().toUpperCase(Locale.ROOT);
        String text = st.toString();
        boolean returning = text.toUpperCase(Locale.ROOT).contains(" RETURNING ");
        return "a" + ("AEIOU".indexOf(name.charAt(0)) >= 0 ? "n " : " ") + name + (returning ? " ... RETURNING" : "") + " statement";
    }

    /** The text with string literals, quoted identifiers and comments blanked, for the checks that read code only. */
    static String outsideLiterals(String s) {
        StringBuilder out = new StringBuilder(s.length());
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                out.append(' ');
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
                out.append(' ');
            } else if (c == '-' && i + 1 < s.length() && s.charAt(i + 1) == '-') {
                while (i < s.length() && s.charAt(i) != '\n') i++;
                out.append(' ');
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 1;
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        List<String> lines = m.lines().filter(l -> !l.isBlank()).toList();
        String first = lines.isEmpty() ? m : lines.get(0);
        return first.length() > 200 ? first.substring(0, 200) + "…" : first;
    }
}
