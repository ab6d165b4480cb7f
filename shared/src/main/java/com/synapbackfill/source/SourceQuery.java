package com.synapbackfill.source;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
        return check(field, sql, List.of());
    }

    /**
     * As {@link #check(String, String)}; {@code allowed} are functions of the user's that only read ({@code
     * --allow-function NAME}, {@code schema.name} for one in a schema), callable beside {@link #FUNCTIONS}.
     */
    public static String check(String field, String sql, List<String> allowed) {
        if (sql == null || sql.isBlank()) throw new IllegalArgumentException(field + ": is empty");
        String q = sql.strip();
        while (q.endsWith(";")) q = q.substring(0, q.length() - 1).stripTrailing();
        if (q.length() > MAX_LENGTH) throw new IllegalArgumentException(field + ": is " + q.length() + " characters; at most " + MAX_LENGTH);
        // read as every database family may read it (dollar quotes, backslash escapes, # comments): a statement or a call
        // hidden in what one reading takes for a literal is found by another
        List<SqlScan.Result> scans = new java.util.ArrayList<>();
        IllegalArgumentException unreadable = null; // a reading under which the text does not even close: refused, after the rest
        for (SqlScan.Reading r : SqlScan.Reading.ALL) {
            try {
                SqlScan.Result scan = SqlScan.scan(q, r);
                checkCode(field, scan.code(), r);
                scans.add(scan);
            } catch (IllegalArgumentException e) {
                if (e.getMessage().startsWith(field + ": ")) throw e;
                if (unreadable == null) unreadable = new IllegalArgumentException(field + ": " + e.getMessage() + " (read as " + r.name() + ")");
            }
        }
        if (scans.isEmpty()) throw unreadable;
        Statements parsed = null;
        try {
            parsed = CCJSqlParserUtil.parseStatements(q);
        } catch (JSQLParserException | RuntimeException e) {
            // a database's own syntax the parser does not know (MariaDB's JSON_TABLE, say): checked by its words instead,
            // and it still runs in a read-only transaction
            checkWords(field, scans.get(0).code(), firstLine(e));
        }
        if (parsed != null) {
            if (parsed.size() != 1) throw new IllegalArgumentException(field + ": holds " + parsed.size() + " statements; give one SELECT");
            Statement st = parsed.get(0);
            if (!(st instanceof Select select)) throw new IllegalArgumentException(field + ": is " + kind(st) + "; only a SELECT is allowed");
            checkSelect(field, select);
        }
        for (SqlScan.Result scan : scans) checkCalls(field, scan.calls(), allowed);
        if (unreadable != null) throw unreadable;
        return q;
    }

    private static final Pattern OUTFILE = Pattern.compile("\\bINTO\\s+(OUTFILE|DUMPFILE)\\b", Pattern.CASE_INSENSITIVE);

    /** One reading's code: one statement, no locking clause, no file written. */
    private static void checkCode(String field, String code, SqlScan.Reading r) {
        if (code.indexOf(';') >= 0)
            throw new IllegalArgumentException(field + ": holds two statements (';', read as " + r.name() + "); give one SELECT");
        var locking = LOCKING.matcher(code);
        if (locking.find())
            throw new IllegalArgumentException(field + ": a locking clause (" + locking.group() + ") is not allowed; a backfill only reads");
        var outfile = OUTFILE.matcher(code);
        if (outfile.find())
            throw new IllegalArgumentException(field + ": SELECT ... INTO " + outfile.group(1).toUpperCase(Locale.ROOT)
                    + " writes a file on the database server; only a plain SELECT is allowed");
    }

    /** Every function the query calls is one that only reads, or one the user allowed by name. */
    private static void checkCalls(String field, List<SqlScan.Call> calls, List<String> allowed) {
        for (SqlScan.Call c : calls) {
            boolean known = (c.schema() == null || c.schema().equals("pg_catalog")) && FUNCTIONS.contains(c.name().toLowerCase(Locale.ROOT));
            boolean mine = allowed.stream().anyMatch(a -> a.equalsIgnoreCase(c.qualified()) || c.schema() == null && a.equalsIgnoreCase(c.name()));
            if (known || mine) continue;
            String why = REFUSED_WHY.entrySet().stream().filter(e -> c.name().toLowerCase(Locale.ROOT).matches(e.getKey())).map(Map.Entry::getValue)
                    .findFirst().orElse(null);
            if (why != null)
                throw new IllegalArgumentException(field + ": calls " + c.qualified() + "(), which " + why + "; a backfill only reads");
            throw new IllegalArgumentException(field + ": calls " + c.qualified() + "(), which is not among the functions a query source may "
                    + "call (docs/sources.md, a query as the source); if it is a function of yours that only reads, allow it with "
                    + "--allow-function " + c.qualified() + " (a table alias with column names is written AS alias(col, ...))");
        }
    }

    /** What a function that is refused by name does, for the message. */
    private static final Map<String, String> REFUSED_WHY = orderedMap(
            "set_config|current_setting", "reads or changes the session's settings (read-only among them)",
            "lo_.*|loread|lowrite", "reads or writes large objects (files on the server)",
            "dblink.*", "runs SQL on another connection, outside this read-only transaction",
            "nextval|setval|currval|lastval", "moves a sequence",
            "(query|table|cursor)_to_xml.*|xmlexists|xpath", "runs or reads beyond a plain SELECT",
            "pg_.*", "is an administration, file or session function of PostgreSQL",
            "sleep|benchmark|get_lock|release_lock|release_all_locks|is_free_lock|is_used_lock|master_pos_wait|source_pos_wait",
            "waits or takes a lock",
            "load_file|sys_exec|sys_eval", "reads server files or runs programs");

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /**
     * The functions a query source may call: ones that only compute from their arguments (text, numbers, times, JSON,
     * arrays, aggregates and windows) on PostgreSQL, MySQL/MariaDB and SQLite. Nothing that changes a setting, moves a
     * sequence, touches a file or a large object, opens another connection, sleeps or locks.
     */
    static final Set<String> FUNCTIONS = Set.copyOf(List.of(
            // aggregates and windows
            "count", "sum", "min", "max", "avg", "string_agg", "array_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg",
            "group_concat", "bool_and", "bool_or", "every", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile",
            "lag", "lead", "first_value", "last_value", "nth_value", "percentile_cont", "percentile_disc", "mode", "stddev",
            "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "json_arrayagg", "json_objectagg", "json_group_array",
            "json_group_object",
            // conditionals and casts
            "coalesce", "nullif", "greatest", "least", "ifnull", "if", "iif", "nvl", "isnull", "cast", "convert", "try_cast",
            "to_char", "to_number", "to_date", "to_timestamp", "to_json", "to_jsonb", "typeof", "num_nonnulls", "num_nulls",
            // text
            "concat", "concat_ws", "lower", "upper", "lcase", "ucase", "initcap", "trim", "ltrim", "rtrim", "btrim", "substring",
            "substr", "mid", "left", "right", "length", "char_length", "character_length", "octet_length", "bit_length", "replace",
            "translate", "position", "strpos", "instr", "locate", "lpad", "rpad", "repeat", "reverse", "split_part", "regexp_replace",
            "regexp_substr", "regexp_like", "regexp_matches", "regexp_match", "regexp_split_to_array", "regexp_split_to_table",
            "regexp_instr", "regexp_count", "md5", "sha1", "sha2", "sha256", "encode", "decode", "convert_from", "convert_to",
            "format", "string_to_array", "array_to_string", "ascii", "chr", "char", "starts_with", "overlay", "normalize",
            "hex", "unhex", "quote", "quote_literal", "quote_ident", "quote_nullable", "field", "elt", "space", "soundex",
            "unicode", "printf", "glob", "like", "collation", "charset", "unistr", "string_to_table",
            // numbers
            "abs", "ceil", "ceiling", "floor", "round", "trunc", "truncate", "mod", "power", "pow", "sqrt", "exp", "ln", "log", "log2",
            "log10", "sign", "div", "random", "rand", "width_bucket", "scale", "bit_count", "crc32",
            // times
            "now", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime", "clock_timestamp",
            "statement_timestamp", "transaction_timestamp", "date_trunc", "date_part", "date_bin", "extract", "age", "make_timestamp",
            "make_timestamptz", "make_date", "make_time", "make_interval", "timezone", "from_unixtime", "unix_timestamp", "convert_tz",
            "date_format", "str_to_date", "date_add", "date_sub", "adddate", "subdate", "timestampadd", "timestampdiff", "datediff",
            "date", "time", "timestamp", "year", "month", "day", "dayofmonth", "dayofweek", "dayofyear", "hour", "minute", "second",
            "microsecond", "week", "weekday", "quarter", "last_day", "utc_timestamp", "sysdate", "strftime", "datetime", "julianday",
            "unixepoch", "isfinite", "justify_days", "justify_hours", "justify_interval", "from_days", "to_days", "to_seconds",
            "sec_to_time", "time_to_sec", "makedate", "maketime", "period_add", "period_diff",
            // JSON
            "json_extract_path", "json_extract_path_text", "jsonb_extract_path", "jsonb_extract_path_text", "json_array_elements",
            "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text", "json_each", "jsonb_each", "json_each_text",
            "jsonb_each_text", "json_object_keys", "jsonb_object_keys", "json_array_length", "jsonb_array_length", "json_typeof",
            "jsonb_typeof", "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "jsonb_path_query",
            "jsonb_path_query_first", "jsonb_path_query_array", "jsonb_path_exists", "jsonb_path_match", "json_strip_nulls",
            "jsonb_strip_nulls", "row_to_json", "array_to_json", "jsonb_pretty", "jsonb_set", "jsonb_insert", "json_to_record",
            "jsonb_to_record", "json_to_recordset", "jsonb_to_recordset", "json_populate_record", "jsonb_populate_record",
            "json_extract", "json_unquote", "json_value", "json_query", "json_table", "json_length", "json_keys", "json_contains",
            "json_contains_path", "json_type", "json_valid", "json_array", "json_object", "json_search", "json_exists", "json_depth",
            "json_quote", "json_merge_patch", "json_merge_preserve", "json_overlaps", "json_tree", "json", "jsonb",
            "json_scalar", "json_serialize", "json_remove", "json_set", "json_insert", "json_replace",
            "json_patch", "json_normalize", "json_equals", "json_compact", "json_detailed", "json_loose", "json_pretty",
            // arrays and sets
            "unnest", "generate_series", "generate_subscripts", "array_length", "array_lower", "array_upper", "array_ndims",
            "cardinality", "array_position", "array_positions", "array_cat", "array_append", "array_prepend", "array_remove",
            "array_replace", "array_dims", "trim_array",
            // type names with a length or precision (varchar(36) in a cast, a JSON_TABLE column), read as calls
            "varchar", "character", "nchar", "nvarchar", "numeric", "decimal", "dec", "float", "double", "bit", "varbit",
            "varbinary", "binary", "datetime",
            // ids
            "gen_random_uuid", "uuid", "uuid_to_bin", "bin_to_uuid", "uuid_short", "uuidv4", "uuidv7", "uuid_extract_timestamp",
            "uuid_extract_version", "is_uuid", "sys_guid"));
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

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        List<String> lines = m.lines().filter(l -> !l.isBlank()).toList();
        String first = lines.isEmpty() ? m : lines.get(0);
        return first.length() > 200 ? first.substring(0, 200) + "…" : first;
    }
}
