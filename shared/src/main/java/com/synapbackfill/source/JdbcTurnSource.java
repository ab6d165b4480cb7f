package com.synapbackfill.source;

import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import java.util.List;

/**
 * {@link TurnSource} over JDBC, assembled from parts with one job each: the {@link SourceConnection}, the
 * {@link CatalogCheck} that a shape's query is built from ({@link TurnQuery}, {@link MessageQuery}), and the
 * {@link IdSampler} planning reads. Configuration is validated against the catalog on first use, and every error
 * names the setting that is wrong. Not thread-safe by design: one instance per worker.
 */
public final class JdbcTurnSource implements TurnSource {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JdbcTurnSource.class);
    private final SourceConfig config;
    private final SourceConnection db;
    private ShapeQuery query;
    private IdSampler sampler;
    /** Tests: sample by index probes above this many rows (statistics) on a database without block sampling. */
    long probeAboveRows = -1;

    /** Texts longer than this many bytes are not transferred: their row is a bad row (0: no cap). */
    private final int maxTextBytes;

    public JdbcTurnSource(JdbcConnectionSettings connection, SourceConfig config) {
        this(connection, config, 0);
    }

    /**
     * @param maxTextBytes the run's {@code maxDocumentBytes}: a text column's value longer than that could never be sent, so
     *                     it is never read (a 10 MB row would cost a page its memory): the row becomes
     *                     {@code bad_row:document_too_large} naming its size. 0: no cap.
     */
    public JdbcTurnSource(JdbcConnectionSettings connection, SourceConfig config, int maxTextBytes) {
        this.config = config;
        this.db = new SourceConnection(connection);
        this.maxTextBytes = maxTextBytes;
    }

    private ShapeQuery query() {
        if (query == null) {
            CatalogCheck check = new CatalogCheck(db, config, maxTextBytes);
            query = config.conversationShape() ? ConversationsQuery.check(check) : config.messageShape() ? MessageQueryCheck.check(check) : TurnQuery.check(check);
        }
        return query;
    }

    private IdSampler sampler() {
        if (sampler == null) {
            sampler = new IdSampler(db, query().key(), config.fromId(), config.toId());
            if (probeAboveRows >= 0) sampler.probeAboveRows = probeAboveRows;
        }
        return sampler;
    }

    @Override
    public SourceProfile profile() {
        return sampler().profile();
    }

    @Override
    public List<String> sampleIds(int n) {
        return sampler().sampleIds(n);
    }

    @Override
    public List<Turn> readPage(Shard shard, String afterExclusive, int limit) {
        long duplicates = MessageValues.duplicateKeys();
        List<Turn> page = query().readPage(shard, afterExclusive, limit);
        long more = MessageValues.duplicateKeys() - duplicates;
        // the value read is the last, as the database and the app read it: worth a line in the log, not a bad row
        if (more > 0) LOG.warn("shard {}: {} JSON keys appeared twice in one object in a page after {} (the last value is read; the first "
                + "duplicate this process met: {})", shard.shardNo(), more, afterExclusive, MessageValues.firstDuplicateKey());
        return page;
    }

    /**
     * Keys that appeared twice in one object of the JSON values this process read (a JSON column's text may hold them; a
     * {@code jsonb} column never does): the last value is read, as PostgreSQL's {@code jsonb}, MySQL's {@code JSON},
     * JavaScript and Python keep it. A count, for the warnings of {@code run} and {@code estimate}.
     */
    public static long duplicateJsonKeys() {
        return MessageValues.duplicateKeys();
    }

    /** Where the first duplicate key read was (a JSON pointer inside its column, e.g. {@code /3/content}), or null. */
    public static String firstDuplicateJsonKey() {
        return MessageValues.firstDuplicateKey();
    }

    @Override
    public List<Turn> readByIds(List<String> ids) {
        if (ids.isEmpty()) return List.of();
        return query().readByIds(ids);
    }

    @Override
    public long countRows(Shard shard) {
        return sampler().countRows(shard);
    }

    /** Items of whole conversations, by conversation id (message shape only; for {@code estimate}). */
    public List<Turn> readConversations(List<String> conversationIds) {
        if (query() instanceof ConversationsQuery c) return c.readConversations(conversationIds);
        return messages().readConversations(conversationIds);
    }

    /**
     * Message shape: the database's plan of the page query when it would not use an index (then every page is a
     * scan and sort of the table), else null. The index it needs: {@link #pageIndexColumns()}.
     */
    public String unindexedPagePlan() {
        return query() instanceof MessageQuery m ? m.unindexedPagePlan(profile()) : null;
    }

    /** Message shape: messages whose conversation id is NULL (no shard holds them: planning counts them as skipped). */
    public long messagesWithoutConversation() {
        return query() instanceof MessageQuery m ? m.messagesWithoutConversation() : 0;
    }

    /**
     * Message shape on MySQL/MariaDB: groups of conversation ids that differ (by case, by accents) but that the key's
     * collation holds equal; each is read as one conversation. 0 elsewhere.
     */
    public long foldedConversations() {
        return query() instanceof MessageQuery m ? m.foldedConversations() : 0;
    }

    @Override
    public boolean customerMapped() {
        return query().customerMapped();
    }

    @Override
    public long rowsWithoutKey() {
        return messagesWithoutConversation();
    }

    /** The index a message table's page query wants, as SQL the database accepts; null for the turn shape, or when none can serve it. */
    public String pageIndexHint() {
        return query() instanceof MessageQuery m ? m.indexHint() : null;
    }

    private MessageQuery messages() {
        if (query() instanceof MessageQuery m) return m;
        throw new IllegalStateException("not the message shape");
    }

    @Override
    public void close() {
        db.close();
    }
}
