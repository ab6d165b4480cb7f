package com.synapbackfill.error;

/** A failure that repeats on every try with the same input: 400/422, 404, 409, a bad row, a bad setting. */
public final class PermanentException extends BackfillException {
    /** What kind of permanent failure, so callers can react (bisect on invalid input, count conflicts as present). */
    public enum Kind {
        INVALID_INPUT, CONFLICT, NOT_FOUND, CONFIGURATION, OTHER,
        /** A 200 whose body does not hold what was asked (not JSON, a result missing, foreign or repeated), again and again. */
        MALFORMED_ANSWER
    }

    private final Kind kind;
    private final String detail;
    private final java.util.List<String> documentIds;

    public PermanentException(Kind kind, String message, int httpStatus, String detail, Throwable cause) {
        this(kind, message, httpStatus, detail, java.util.List.of(), cause);
    }

    /** @param documentIds document ids the answer names (e.g. a 409's conflicting ids), in full */
    public PermanentException(Kind kind, String message, int httpStatus, String detail, java.util.List<String> documentIds,
                              Throwable cause) {
        super(message, httpStatus, cause);
        this.kind = kind;
        this.detail = detail;
        this.documentIds = java.util.List.copyOf(documentIds);
    }

    /** Document ids the server named (a conflict's duplicates), untrimmed; empty when it named none. */
    public java.util.List<String> documentIds() {
        return documentIds;
    }

    public PermanentException(Kind kind, String message) {
        this(kind, message, 0, null, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The server's {@code detail}, trimmed; null when there was none. */
    public String detail() {
        return detail;
    }

    @Override
    public String errorClass() {
        return kind.name().toLowerCase();
    }
}
