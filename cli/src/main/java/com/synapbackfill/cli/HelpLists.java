package com.synapbackfill.cli;

import com.synapbackfill.source.ColumnMapping;
import com.synapbackfill.source.MessageShape;
import java.util.ListResourceBundle;
import java.util.Map;

/**
 * The lists that help texts show, computed from the declarations they list so they cannot drift: the fields of each
 * shape ({@link ColumnMapping#DEFAULTS}, {@link MessageShape#DEFAULTS}, {@link MessageShape#MESSAGE_FIELDS}). Options
 * name them as {@code ${bundle:KEY}} (picocli's variable interpolation); {@link RunSettingsOptions} names this bundle.
 */
public final class HelpLists extends ListResourceBundle {
    /** The turn shape's fields ({@code --column} of a row per turn). */
    static final String TURN_FIELDS = "backfill.fields.turns";
    /** The message and conversations shapes' fields. */
    static final String MESSAGE_FIELDS = "backfill.fields.messages";
    /** The conversations shape's fields read inside each message. */
    static final String INSIDE_MESSAGE = "backfill.fields.insideMessage";

    @Override
    protected Object[][] getContents() {
        return new Object[][] {
                {TURN_FIELDS, names(ColumnMapping.DEFAULTS)},
                {MESSAGE_FIELDS, names(MessageShape.DEFAULTS)},
                {INSIDE_MESSAGE, String.join(", ", MessageShape.MESSAGE_FIELDS)},
        };
    }

    private static String names(Map<String, String> fields) {
        return String.join(", ", fields.keySet());
    }
}
