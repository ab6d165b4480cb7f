package com.synapbackfill.source;

import com.synapbackfill.model.IdType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** PostgreSQL (and Aurora/RDS PostgreSQL). */
public final class PostgresDialect implements SqlDialect {
    @Override
    public String quote(String identifier) {
        return Arrays.stream(identifier.split("\\.")).map(p -> '"' + p.replace("\"", "\"\"") + '"')
                .collect(Collectors.joining("."));
    }

    @Override
    public IdType idType(String t) {
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "int8", "int4", "int2", "bigint", "integer", "smallint", "bigserial", "serial" -> IdType.BIGINT;
            case "uuid" -> IdType.UUID;
            case "text", "varchar", "character varying", "bpchar" -> IdType.TEXT;
            default -> null;
        };
    }

    @Override
    public String param(IdType idType) {
        return idType == IdType.UUID ? "?::uuid" : idType == IdType.BIGINT ? "?::bigint" : "?";
    }

    @Override
    public String estimateSql(String table) {
        // reltuples is -1 before the first ANALYZE/VACUUM and absent for views; the caller falls back to EXPLAIN.
        return "SELECT c.reltuples::bigint FROM pg_class c WHERE c.oid = to_regclass(?)";
    }

    @Override
    public String sampleSql(String table, String idColumn, IdType idType, double percent, boolean isView) {
        String id = quote(idColumn);
        String p = param(idType);
        String from = isView
                ? quote(table) + " WHERE random() < " + (percent / 100.0) + " AND "
                : quote(table) + " TABLESAMPLE SYSTEM (" + percent + ") WHERE ";
        return "SELECT " + id + "::text AS sb_id FROM " + from + id + " >= " + p + " AND " + id + " <= " + p + " ORDER BY " + id;
    }
}
