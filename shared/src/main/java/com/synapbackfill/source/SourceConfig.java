package com.synapbackfill.source;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * Where the turns are: table (or view, optionally schema-qualified), column mapping, the zone that
 * {@code timestamp without time zone} values are read in, and optional id bounds to backfill a slice.
 * Connection settings (URL, user, password) are not here: they are secrets of the deployment, not of a run.
 *
 * @param table          {@code turns} or {@code app.turns}
 * @param columns        column mapping (defaults of DESIGN §2 for every null)
 * @param timestampZone  zone for timestamps without zone, default UTC
 * @param fromId         smallest id to include (inclusive), or null
 * @param toId           largest id to include (inclusive), or null
 */
public record SourceConfig(String table, ColumnMapping columns, String timestampZone, String fromId, String toId) {
    @JsonCreator
    public SourceConfig(@JsonProperty("table") String table, @JsonProperty("columns") ColumnMapping columns,
                        @JsonProperty("timestampZone") String timestampZone, @JsonProperty("fromId") String fromId,
                        @JsonProperty("toId") String toId) {
        this.table = SqlIdentifiers.requireTable("source.table", table);
        this.columns = columns == null ? ColumnMapping.DEFAULT : columns;
        String zone = timestampZone == null || timestampZone.isBlank() ? "UTC" : timestampZone;
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("source.timestampZone: unknown zone \"" + zone + "\" (use e.g. UTC or Europe/Berlin)");
        }
        this.timestampZone = zone;
        this.fromId = fromId == null || fromId.isBlank() ? null : fromId;
        this.toId = toId == null || toId.isBlank() ? null : toId;
    }

    public static SourceConfig of(String table) {
        return new SourceConfig(table, null, null, null, null);
    }

    public ZoneId zone() {
        return ZoneId.of(timestampZone);
    }
}
