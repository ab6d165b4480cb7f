package com.synapbackfill.model;

/** Why a source row cannot become a document. Each becomes a failure item with {@code errorClass = bad_row:<code>}. */
public enum BadRowReason {
    EMPTY_TEXT("both user_text and assistant_text are null or blank"),
    MISSING_TIMESTAMP("created_at is null"),
    MISSING_USER_ID("user_id is null or blank"),
    MISSING_CUSTOMER_ID("customer_id is null or blank and the run requires it (B2B)"),
    MISSING_CONVERSATION_ID("conversation_id is null or blank"),
    MISSING_MESSAGE_INDEX("message_index is null"),
    DOCUMENT_TOO_LARGE("the rendered document is larger than the configured byte cap"),
    /** message shape: the text field is neither a string nor an array of text parts, or its JSON does not parse */
    UNREADABLE_TEXT("the message's text is not a string or an array of text parts (or its JSON does not parse)"),
    /** a time kept as text or a number (or inside JSON) that is not an ISO-8601 time or an epoch number in the mapped unit */
    UNREADABLE_TIMESTAMP("created_at is not a time (ISO-8601 text, or an epoch number in the mapped unit)"),
    /** a lone UTF-16 surrogate: not Unicode, it has no UTF-8 form and Synap cannot store it byte-exact */
    UNPAIRED_SURROGATE("the text holds an unpaired UTF-16 surrogate, which is not Unicode text"),
    /** a time no chat can have: before 1970 (a BC date, -infinity) or more than a day ahead (infinity, year 9999, a unit mistaken) */
    IMPOSSIBLE_TIMESTAMP("created_at is outside 1970-01-01T00:00:00Z .. a day from now");

    private final String description;

    BadRowReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The error class used in failure items and reports. */
    public String errorClass() {
        return "bad_row:" + name().toLowerCase();
    }
}
