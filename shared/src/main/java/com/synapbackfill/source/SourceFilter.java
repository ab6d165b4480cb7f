package com.synapbackfill.source;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.LikeExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.Select;

/**
 * A row filter ({@code --filter}, {@code source.filter}): one SQL boolean expression over the table's own
 * columns, parsed with a real SQL parser (JSqlParser) and accepted only when every node is on an allow-list:
 * column references, literals, comparisons, {@code AND}/{@code OR}/{@code NOT}, {@code IN (...)} of literals,
 * {@code BETWEEN}, {@code IS [NOT] NULL}, {@code IS [NOT] TRUE/FALSE}, {@code LIKE}/{@code ILIKE}. Anything else —
 * a subquery, a function call, a parameter, a second statement, a comment — is refused naming the part.
 *
 * <p>What reaches the database is never the user's text: {@link #render} writes SQL from the checked tree,
 * with every column quoted by the dialect and every literal a bound parameter.
 */
public final class SourceFilter {
    private final String text;
    private final Expression tree;
    private final Set<String> columns;

    private SourceFilter(String text, Expression tree, Set<String> columns) {
        this.text = text;
        this.tree = tree;
        this.columns = columns;
    }

    /** SQL text with {@code ?} placeholders, and the values to bind to them in order. */
    public record Rendered(String sql, List<Object> binds) {
    }

    /** @throws IllegalArgumentException naming {@code field} and the part refused */
    public static SourceFilter parse(String field, String expression) {
        if (expression == null || expression.isBlank()) throw new IllegalArgumentException(field + ": is empty");
        String refused = outsideLiterals(expression);
        if (refused != null) throw new IllegalArgumentException(field + ": " + refused + " is not allowed in a filter; give one boolean expression, e.g. \"deleted_at IS NULL AND consent\"");
        Expression tree;
        try {
            tree = CCJSqlParserUtil.parseCondExpression(expression, false);
        } catch (JSQLParserException | RuntimeException e) {
            throw new IllegalArgumentException(field + ": not a boolean SQL expression: \"" + expression + "\"");
        }
        tree = normalize(tree);
        Set<String> cols = new LinkedHashSet<>();
        check(field, tree, cols, true);
        int literals = FilterSql.render(tree, c -> c).binds().size();
        if (literals > MAX_LITERALS)
            throw new IllegalArgumentException(field + ": binds " + literals + " literals; at most " + MAX_LITERALS
                    + " (the database takes a bounded number of parameters; keep long lists in a table and join it in a query)");
        return new SourceFilter(expression.strip(), tree, Set.copyOf(cols));
    }

    /** The expression as the user wrote it (what the ledger's run snapshot keeps). */
    public String text() {
        return text;
    }

    /** Every column the filter names, as written. */
    public Set<String> columns() {
        return columns;
    }

    /** @param column the quoted SQL of a column the user named (the source resolves it against the catalog) */
    public Rendered render(UnaryOperator<String> column) {
        return FilterSql.render(tree, column);
    }

    // ---------------------------------------------------------------- checking

    /**
     * JSqlParser 5.3 lets an IN list swallow the rest of the expression ({@code a IN ('x') AND b = 1} parses as
     * {@code a IN (('x') AND b = 1)}). Put the list back where SQL's precedence has it: the IN becomes the leftmost
     * operand of what followed it.
     */
    static Expression normalize(Expression e) {
        if (e instanceof InExpression in && in.getRightExpression() instanceof BinaryExpression rest) {
            BinaryExpression parent = rest;
            while (parent.getLeftExpression() instanceof BinaryExpression l) parent = l;
            if (parent.getLeftExpression() instanceof ExpressionList<?> list) {
                InExpression fixed = new InExpression(in.getLeftExpression(), list);
                fixed.setNot(in.isNot());
                parent.setLeftExpression(fixed);
                return normalize(rest);
            }
        }
        if (e instanceof BinaryExpression b) {
            b.setLeftExpression(normalize(b.getLeftExpression()));
            b.setRightExpression(normalize(b.getRightExpression()));
        } else if (e instanceof NotExpression n) {
            n.setExpression(normalize(n.getExpression()));
        } else if (e instanceof Parenthesis p) {
            p.setExpression(normalize(p.getExpression()));
        } else if (e instanceof ParenthesedExpressionList<?> l && l.size() == 1) {
            @SuppressWarnings("unchecked") ParenthesedExpressionList<Expression> list = (ParenthesedExpressionList<Expression>) l;
            list.set(0, normalize(list.get(0)));
        }
        return e;
    }

    /** How deep a filter may nest parentheses: deeper is no filter a person writes, and the parser's stack would pay. */
    static final int MAX_DEPTH = 64;
    /** How many literals a filter may bind: PostgreSQL takes at most 65,535 parameters in a statement. */
    static final int MAX_LITERALS = 10_000;
    /** How long a filter may be. */
    static final int MAX_LENGTH = 100_000;

    /**
     * A statement separator, a comment, nesting deeper than {@link #MAX_DEPTH}, or an unterminated literal outside
     * string literals and quoted identifiers ({@code "chatId"}, {@code `chatId`}: a column named exactly), or null.
     */
    private static String outsideLiterals(String s) {
        if (s.length() > MAX_LENGTH) return "a filter of " + s.length() + " characters (at most " + MAX_LENGTH + ")";
        char quote = 0;
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                quote = c;
                continue;
            }
            if (c == ';') return "';' (a second statement)";
            if (c == '-' && i + 1 < s.length() && s.charAt(i + 1) == '-') return "a comment (--)";
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') return "a comment (/* */)";
            if (c == '$') return "'$' (dollar quoting or parameters)";
            if (c == '(' && ++depth > MAX_DEPTH) return "nesting deeper than " + MAX_DEPTH + " parentheses";
            if (c == ')') depth--;
        }
        if (quote == '\'') return "an unterminated string literal";
        return quote != 0 ? "an unterminated quoted identifier (" + quote + ")" : null;
    }

    /** The name inside a quoted identifier ({@code "chatId"} → {@code chatId}), or null when {@code name} is not quoted. */
    public static String unquoted(String name) {
        if (name.length() >= 2 && (name.charAt(0) == '"' || name.charAt(0) == '`') && name.charAt(name.length() - 1) == name.charAt(0)) {
            String q = String.valueOf(name.charAt(0));
            return name.substring(1, name.length() - 1).replace(q + q, q);
        }
        return null;
    }

    private static void check(String field, Expression e, Set<String> cols, boolean booleanPosition) {
        if (e instanceof AndExpression || e instanceof OrExpression) {
            BinaryExpression b = (BinaryExpression) e;
            check(field, b.getLeftExpression(), cols, true);
            check(field, b.getRightExpression(), cols, true);
        } else if (e instanceof NotExpression n) {
            check(field, n.getExpression(), cols, true);
        } else if (grouped(e) != null) {
            check(field, grouped(e), cols, booleanPosition);
        } else if (e instanceof EqualsTo || e instanceof NotEqualsTo || e instanceof GreaterThan || e instanceof GreaterThanEquals
                || e instanceof MinorThan || e instanceof MinorThanEquals) {
            BinaryExpression b = (BinaryExpression) e;
            operand(field, b.getLeftExpression(), cols);
            operand(field, b.getRightExpression(), cols);
        } else if (e instanceof InExpression in) {
            operand(field, in.getLeftExpression(), cols);
            if (in.getRightExpression() instanceof ParenthesedSelect || in.getRightExpression() instanceof Select)
                throw refused(field, describe(in.getRightExpression()));
            if (!(in.getRightExpression() instanceof ExpressionList<?> list))
                throw refused(field, "IN with an expression (" + in.getRightExpression() + "); list literals: IN ('a', 'b')");
            for (Expression x : list) literal(field, x);
        } else if (e instanceof Between b) {
            operand(field, b.getLeftExpression(), cols);
            operand(field, b.getBetweenExpressionStart(), cols);
            operand(field, b.getBetweenExpressionEnd(), cols);
        } else if (e instanceof IsNullExpression n) {
            operand(field, n.getLeftExpression(), cols);
        } else if (e instanceof IsBooleanExpression b) {
            operand(field, b.getLeftExpression(), cols);
        } else if (e instanceof LikeExpression l) {
            if (l.getEscape() != null) throw refused(field, "LIKE ... ESCAPE");
            if (l.getLikeKeyWord() != LikeExpression.KeyWord.LIKE && l.getLikeKeyWord() != LikeExpression.KeyWord.ILIKE)
                throw refused(field, l.getLikeKeyWord() + " (only LIKE and ILIKE)");
            operand(field, l.getLeftExpression(), cols);
            literal(field, l.getRightExpression());
        } else if (e instanceof Column c && booleanPosition) {
            column(field, c, cols); // a boolean column on its own: "AND consent"
        } else {
            throw refused(field, describe(e));
        }
    }

    /** What a pair of parentheses around one expression holds, or null ({@code (a OR b)}; 5.x parses it as a one-item list). */
    static Expression grouped(Expression e) {
        if (e instanceof Parenthesis p) return p.getExpression();
        if (e instanceof ParenthesedExpressionList<?> l && l.size() == 1) return l.get(0);
        return null;
    }

    /** A side of a comparison: a column or a literal. */
    private static void operand(String field, Expression e, Set<String> cols) {
        if (e instanceof Column c) column(field, c, cols);
        else literal(field, e);
    }

    private static void literal(String field, Expression e) {
        if (e instanceof StringValue || e instanceof LongValue || e instanceof DoubleValue || e instanceof NullValue
                || e instanceof BooleanValue) return;
        if (e instanceof SignedExpression s && (s.getExpression() instanceof LongValue || s.getExpression() instanceof DoubleValue)) return;
        if (e instanceof Column c && isBooleanWord(c)) return;
        throw refused(field, describe(e));
    }

    private static void column(String field, Column c, Set<String> cols) {
        if (isBooleanWord(c)) return;
        // a joined table's column is TABLE.COLUMN (the table as --join names it); the catalog check resolves it
        if (c.getTable() != null && c.getTable().getSchemaName() != null)
            throw refused(field, "a schema-qualified column (" + c + "); name a joined table's column as TABLE.COLUMN, the table as --join names it");
        cols.add(key(c));
    }

    /** How a column is named to the catalog check and the renderer: {@code COLUMN}, or {@code TABLE.COLUMN} for a joined one. */
    static String key(Column c) {
        return c.getTable() != null && c.getTable().getName() != null ? c.getTable().getName() + "." + c.getColumnName() : c.getColumnName();
    }

    static boolean isBooleanWord(Column c) {
        String n = c.getColumnName().toLowerCase(Locale.ROOT);
        return c.getTable() == null && (n.equals("true") || n.equals("false"));
    }

    private static String describe(Expression e) {
        if (e instanceof Function f) return "a function call (" + f + ")";
        if (e instanceof ParenthesedSelect) return "a subquery " + e;
        if (e instanceof Select) return "a subquery (" + e + ")";
        if (e instanceof net.sf.jsqlparser.expression.JdbcParameter || e instanceof net.sf.jsqlparser.expression.JdbcNamedParameter)
            return "a parameter (" + e + ")";
        return "\"" + e + "\" (" + e.getClass().getSimpleName() + ")";
    }

    private static IllegalArgumentException refused(String field, String what) {
        return new IllegalArgumentException(field + ": " + what + " is not allowed in a filter (allowed: columns, literals, "
                + "comparisons, AND/OR/NOT, IN (...), BETWEEN, IS [NOT] NULL, LIKE)");
    }
}
