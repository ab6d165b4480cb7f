package com.synapbackfill.source;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.LikeExpression;
import net.sf.jsqlparser.schema.Column;

/**
 * A {@link SourceFilter}'s checked tree as SQL: every node the check allowed, fully parenthesised, columns as the
 * source quotes them, and every literal a {@code ?} with its value bound (never spliced into the text).
 */
final class FilterSql {
    private final UnaryOperator<String> column;
    private final StringBuilder sb = new StringBuilder();
    private final List<Object> binds = new ArrayList<>();

    private FilterSql(UnaryOperator<String> column) {
        this.column = column;
    }

    /** @param column the quoted SQL of a column the user named */
    static SourceFilter.Rendered render(Expression tree, UnaryOperator<String> column) {
        FilterSql r = new FilterSql(column);
        r.node(tree);
        return new SourceFilter.Rendered(r.sb.toString(), List.copyOf(r.binds));
    }

    private void node(Expression e) {
        if (!logic(e) && !predicate(e) && !value(e))
            throw new IllegalStateException("unchecked filter node " + e.getClass().getSimpleName());
    }

    /** AND, OR, NOT and parentheses. */
    private boolean logic(Expression e) {
        if (e instanceof AndExpression || e instanceof OrExpression) {
            BinaryExpression b = (BinaryExpression) e;
            sb.append('(');
            node(b.getLeftExpression());
            sb.append(e instanceof AndExpression ? " AND " : " OR ");
            node(b.getRightExpression());
            sb.append(')');
        } else if (e instanceof NotExpression n) {
            sb.append("(NOT ");
            node(n.getExpression());
            sb.append(')');
        } else if (SourceFilter.grouped(e) != null) {
            sb.append('(');
            node(SourceFilter.grouped(e));
            sb.append(')');
        } else {
            return false;
        }
        return true;
    }

    /** IN, BETWEEN, IS [NOT] NULL / TRUE / FALSE, LIKE and the comparisons the check allowed. */
    private boolean predicate(Expression e) {
        if (e instanceof InExpression in) {
            node(in.getLeftExpression());
            sb.append(in.isNot() ? " NOT IN (" : " IN (");
            boolean first = true;
            for (Expression x : (ExpressionList<?>) in.getRightExpression()) {
                if (!first) sb.append(", ");
                first = false;
                node(x);
            }
            sb.append(')');
        } else if (e instanceof Between b) {
            node(b.getLeftExpression());
            sb.append(b.isNot() ? " NOT BETWEEN " : " BETWEEN ");
            node(b.getBetweenExpressionStart());
            sb.append(" AND ");
            node(b.getBetweenExpressionEnd());
        } else if (e instanceof IsNullExpression n) {
            node(n.getLeftExpression());
            sb.append(n.isNot() ? " IS NOT NULL" : " IS NULL");
        } else if (e instanceof IsBooleanExpression b) {
            node(b.getLeftExpression());
            sb.append(" IS ").append(b.isNot() ? "NOT " : "").append(b.isTrue() ? "TRUE" : "FALSE");
        } else if (e instanceof LikeExpression l) {
            node(l.getLeftExpression());
            sb.append(l.isNot() ? " NOT " : " ").append(l.getLikeKeyWord()).append(' ');
            node(l.getRightExpression());
        } else if (e instanceof BinaryExpression b) { // the comparisons check() allowed
            node(b.getLeftExpression());
            sb.append(' ').append(b.getStringExpression()).append(' ');
            node(b.getRightExpression());
        } else {
            return false;
        }
        return true;
    }

    /** A column, TRUE/FALSE/NULL, or a literal bound as a parameter. */
    private boolean value(Expression e) {
        if (e instanceof Column c) {
            if (SourceFilter.isBooleanWord(c)) sb.append(c.getColumnName().toLowerCase(Locale.ROOT).equals("true") ? "TRUE" : "FALSE");
            else sb.append(column.apply(SourceFilter.key(c)));
        } else if (e instanceof BooleanValue v) {
            sb.append(v.getValue() ? "TRUE" : "FALSE");
        } else if (e instanceof NullValue) {
            sb.append("NULL");
        } else if (e instanceof StringValue s) {
            bind(s.getValue().replace("''", "'"));
        } else if (e instanceof LongValue v) {
            bind(new BigDecimal(v.getStringValue()));
        } else if (e instanceof DoubleValue v) {
            bind(new BigDecimal(v.toString()));
        } else if (e instanceof SignedExpression s) {
            BigDecimal n = s.getExpression() instanceof LongValue v ? new BigDecimal(v.getStringValue())
                    : new BigDecimal(s.getExpression().toString());
            bind(s.getSign() == '-' ? n.negate() : n);
        } else {
            return false;
        }
        return true;
    }

    private void bind(Object v) {
        sb.append('?');
        binds.add(v);
    }
}
