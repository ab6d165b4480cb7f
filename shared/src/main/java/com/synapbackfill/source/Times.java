package com.synapbackfill.source;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Times as applications store them when not as a timestamp column: ISO-8601 text (with or without an offset) and
 * epoch numbers in a unit. Pure; a value that does not parse gives null, and the caller says which value it was.
 */
public final class Times {
    /** The unit of an epoch number, as a mapping names it ({@code created_at::epoch_ms}), or ISO-8601 text. */
    public enum Unit {
        EPOCH_S("epoch", 1), EPOCH_MS("epoch_ms", 1_000), EPOCH_US("epoch_us", 1_000_000), ISO("iso", 0);

        private final String spelling;
        private final long perSecond;

        Unit(String spelling, long perSecond) {
            this.spelling = spelling;
            this.perSecond = perSecond;
        }

        public String spelling() {
            return spelling;
        }

        /** The unit a mapping spells ({@code epoch}, {@code epoch_s}, {@code epoch_ms}, {@code epoch_us}, {@code iso}), or null. */
        public static Unit of(String s) {
            String u = s.toLowerCase(Locale.ROOT);
            if (u.equals("epoch_s") || u.equals("epoch_seconds")) return EPOCH_S;
            for (Unit x : values()) if (x.spelling.equals(u)) return x;
            return null;
        }

        /** What a mapping may name, for messages. */
        public static final String CHOICES = "::epoch (seconds), ::epoch_ms, ::epoch_us or ::iso";
    }

    /** Offsets as Python, JavaScript and databases write them: Z, +01:00, +0100, +01. */
    private static final DateTimeFormatter OFFSET_TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral('T').append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter(Locale.ROOT);

    private Times() {
    }

    /**
     * An instant from ISO-8601 text: {@code 2026-03-01T09:30:00Z}, {@code ...+01:00}, {@code ...+0100}, a space for
     * the {@code T}, fractions to nanoseconds; without an offset, in {@code zone}; a date alone is its midnight in
     * {@code zone}. Null when it is not such a text.
     */
    public static Instant parseIso(String text, ZoneId zone) {
        if (text == null) return null;
        String s = text.trim();
        if (s.length() > 10 && s.charAt(10) == ' ') s = s.substring(0, 10) + 'T' + s.substring(11);
        s = s.replace(" +", "+").replace(" -", "-").replace(" Z", "Z");
        try {
            var parsed = OFFSET_TIME.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
            if (parsed instanceof OffsetDateTime odt) return odt.toInstant();
            return ((LocalDateTime) parsed).atZone(zone).toInstant();
        } catch (DateTimeParseException | ArithmeticException notDateTime) {
            try {
                return LocalDate.parse(s).atStartOfDay(zone).toInstant();
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    /** An instant from an epoch number's text in {@code unit} (fractions kept to the nanosecond), or null. */
    public static Instant parseEpoch(String text, Unit unit) {
        if (text == null) return null;
        try {
            BigDecimal v = new BigDecimal(text.trim());
            return fromEpoch(v, unit);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An instant from an epoch number in {@code unit}, or null when it is outside what an instant holds. */
    public static Instant fromEpoch(BigDecimal v, Unit unit) {
        try {
            BigDecimal seconds = unit.perSecond == 1 ? v : v.divide(BigDecimal.valueOf(unit.perSecond));
            BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
            long nanos = seconds.subtract(whole).movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
            return Instant.ofEpochSecond(whole.longValueExact(), nanos);
        } catch (ArithmeticException | DateTimeException e) {
            return null;
        }
    }

    /** Whether {@code text} is a plain number (an epoch value stored as text or JSON). */
    static boolean numeric(String text) {
        return text != null && text.trim().matches("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    }
}
