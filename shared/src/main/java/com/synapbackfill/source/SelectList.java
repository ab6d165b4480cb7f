package com.synapbackfill.source;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A query's select list as it is built: each expression once (two fields reading one JSON column share its
 * column and its parse), each with its bound values, aliased {@code sb_1, sb_2, ...} so that no output column
 * shadows a table column in ORDER BY (PostgreSQL resolves ORDER BY names to output columns first). Positions may be
 * reserved first and filled later, so that the fixed columns of a shape keep their places.
 */
final class SelectList {
    private final Map<String, Integer> positions = new LinkedHashMap<>();
    private final List<String> expressions = new ArrayList<>();
    private final List<List<Object>> binds = new ArrayList<>();

    /** The 1-based position of {@code sql}, added when new; an expression with bound values is never shared. */
    int add(String sql, List<Object> values) {
        if (values.isEmpty()) {
            Integer at = positions.get(sql);
            if (at != null) return at;
        }
        expressions.add(sql);
        binds.add(List.copyOf(values));
        int at = expressions.size();
        if (values.isEmpty()) positions.put(sql, at);
        return at;
    }

    int add(String sql) {
        return add(sql, List.of());
    }

    /** A position to be filled by {@link #set}. */
    int reserve() {
        expressions.add(null);
        binds.add(List.of());
        return expressions.size();
    }

    void set(int at, String sql, List<Object> values) {
        expressions.set(at - 1, sql);
        binds.set(at - 1, List.copyOf(values));
    }

    /** {@code e1 AS sb_1, e2 AS sb_2, ...} */
    String sql() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < expressions.size(); i++) s.append(i == 0 ? "" : ", ").append(expressions.get(i)).append(" AS sb_").append(i + 1);
        return s.toString();
    }

    /** The bound values of the list, in order. */
    List<Object> binds() {
        List<Object> out = new ArrayList<>();
        for (List<Object> b : binds) out.addAll(b);
        return List.copyOf(out);
    }
}
