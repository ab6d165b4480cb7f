package com.synapbackfill.cli;

import com.synapbackfill.json.Json;
import com.synapbackfill.model.Turn;
import com.synapbackfill.source.DocumentMapper;
import com.synapbackfill.source.JdbcTurnSource;
import com.synapbackfill.source.MessageShape;
import com.synapbackfill.source.SourceConfig;
import com.synapbackfill.source.SourceProfile;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What {@code estimate} learns from a message (or conversation) table: whole conversations at sampled points (weighted
 * by their messages), paired as a run pairs them: turns per conversation, messages skipped by reason (roles, empty,
 * filter), bad turns by reason, messages without a conversation, case-folded conversation ids, and the page query's plan
 * when it would not use an index.
 */
final class MessageSample extends TableSample {
    final Map<String, Long> skippedBy = new TreeMap<>();
    long messages;
    long turns;
    long valid;
    long conversations;
    String plan;
    String index;
    long orphans;
    long folded;
    /** Why no message would pair into a turn (the roles match none), or null. */
    String unmatchedRoles;

    private MessageSample(SourceProfile profile, boolean customerMapped) {
        super(profile, customerMapped);
    }

    /** Conversations read until {@code size} messages are sampled, in an order spread over the whole range (not its low end). */
    static MessageSample take(JdbcTurnSource src, SourceConfig source, DocumentMapper mapper, int size) {
        MessageSample s = new MessageSample(src.profile(), src.customerMapped());
        List<Turn> read = new ArrayList<>();
        List<String> conversations = new ArrayList<>(new LinkedHashSet<>(src.sampleIds(size)));
        Collections.shuffle(conversations, new Random(1));
        for (String conv : conversations) {
            for (Turn t : src.readConversations(List.of(conv))) {
                read.add(t);
                s.tally(t, mapper);
            }
            s.conversations++;
            if (s.messages >= size) break;
        }
        s.plan = src.unindexedPagePlan();
        s.orphans = source.fromId() != null || source.toId() != null ? 0 : src.messagesWithoutConversation();
        s.index = src.pageIndexHint();
        s.folded = src.foldedConversations();
        s.unmatchedRoles = RoleCheck.unmatched(source, read);
        return s;
    }

    private void tally(Turn t, DocumentMapper mapper) {
        messages += t.messages();
        if (t.skipped()) {
            skippedBy.merge(t.skipReason(), 1L, Long::sum);
            return;
        }
        DocumentMapper.Mapped m = mapper.map(t);
        if (t.problem() == null) turns++;
        if (m.ok()) {
            valid++;
            docBytes += Json.writeBytes(m.document()).length;
        } else {
            bad.merge(m.reason().errorClass(), 1L, Long::sum);
        }
    }

    /** Documents per unit the table's statistics count: per message, or per conversation (a row per conversation). */
    double documentsPerRow(SourceConfig source) {
        long units = source.conversationShape() ? conversations : messages;
        return units == 0 ? 0 : (double) valid / units;
    }

    /** The shape as the first line names it. */
    static String shapeName(SourceConfig source) {
        return source.conversationShape() ? "conversations shape" : "message shape";
    }

    void print(PrintStream out, SourceConfig source) {
        if (source.conversationShape()) // a row per conversation: the table's rows are conversations
            out.printf("Table %s (%s): ~%s (%s), conversations %s..%s (%s); sampled %s, %s%n", source.name(), shapeName(source),
                    count(profile.estimatedRows(), "conversation"), countSource(), profile.minId(), profile.maxId(), profile.idType(),
                    count(conversations, "conversation"), count(messages, "message"));
        else
            out.printf("Table %s (%s): ~%s (%s), conversations %s..%s (%s); sampled %s%n", source.name(), shapeName(source),
                    count(profile.estimatedRows(), "message"), countSource(), profile.minId(), profile.maxId(), profile.idType(),
                    count(messages, "message"));
        long skipped = skippedBy.values().stream().mapToLong(Long::longValue).sum();
        out.printf("  %s: turns %,d (%.1f per conversation, %.1f messages per turn)%n", count(conversations, "conversation"), turns,
                (double) turns / Math.max(1, conversations), turns == 0 ? 0.0 : (double) (messages - skipped) / turns);
        if (skipped > 0) {
            out.printf("  skipped %,d messages (%.1f%%):%n", skipped, 100.0 * skipped / Math.max(1, messages));
            skippedBy.forEach((reason, n) -> out.printf("    %-34s %,8d%n", reason, n));
        }
        out.printf("  valid %,d turns, average document %,d bytes%n", valid, valid == 0 ? 0 : docBytes / valid);
        bad.forEach((reason, n) -> out.printf("  %-36s %,8d%n", reason, n));
        if (orphans > 0)
            out.printf("  %,d messages have no conversation id: a run counts them as read and skipped (missing_conversation_id); "
                    + "map a fallback to read them: --column conversationId=A %s B%n", orphans, MessageShape.OR);
        if (folded > 0)
            out.printf("Warning: %,d groups of conversation ids differ only by case or accents, and the column's collation holds them equal: "
                    + "each group is read as one conversation. Give the column a binary collation (utf8mb4_bin) to keep them apart.%n", folded);
        if (plan != null) {
            out.println("Warning: the page query would not use an index; every page would scan and sort " + source.name() + ". "
                    + (index == null ? "No index can serve a conversation key on a joined table or a query's column; expect slow pages"
                    : "Create one: " + index + ";") + " The plan:");
            plan.lines().forEach(l -> out.println("    " + l));
        }
    }
}
