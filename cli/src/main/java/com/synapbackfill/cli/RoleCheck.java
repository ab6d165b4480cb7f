package com.synapbackfill.cli;

import com.synapbackfill.model.Turn;
import com.synapbackfill.source.SourceConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Whether a message table's role values match the mapped user and assistant roles: a run whose roles match
 * nothing would complete having sent nothing, every message skipped by its role. Said before the run, naming the
 * role values the sample found most often.
 */
final class RoleCheck {
    private RoleCheck() {
    }

    /**
     * The warning for items that were all skipped by their role ({@code role:VALUE}), naming the most frequent values; null
     * when some message matched, or when nothing was sampled.
     */
    static String unmatched(SourceConfig source, List<Turn> items) {
        if (!source.messageShape() || items.isEmpty()) return null;
        Map<String, Long> roles = new TreeMap<>();
        for (Turn t : items) {
            if (!t.skipped() || t.skipReason() == null || !t.skipReason().startsWith("role:")) {
                if (!t.skipped()) return null; // a turn, or a bad message of a mapped role
                continue;
            }
            roles.merge(t.skipReason().substring(5), (long) t.messages(), Long::sum);
        }
        if (roles.isEmpty()) return null;
        String frequent = roles.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "));
        return "no message matched the user roles " + source.messages().userRoles() + " or the assistant roles "
                + source.messages().assistantRoles() + "; the sample's role values: " + frequent
                + ". Map them with --user-roles and --assistant-roles";
    }
}
