package com.synapbackfill.testing;

import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import com.synapbackfill.model.Turn;
import com.synapbackfill.source.SourceProfile;
import com.synapbackfill.source.TurnSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TurnSource} over turns with bigint ids in memory, read with the same keyset semantics as the JDBC
 * source (a page is the turns after {@code after}, inside the shard, in id order). The fake beside
 * {@link com.synapbackfill.ledger.InMemoryLedger} for unit tests of the worker and the planner; the integration
 * tests read real PostgreSQL and MySQL-family servers.
 */
public class InMemoryTurnSource implements TurnSource {
    public final List<Turn> turns;
    private final SourceProfile profile;
    /** Pages read so far. */
    public int pagesRead;

    /** Turns in id order; the profile is their range and count. */
    public InMemoryTurnSource(List<Turn> turns) {
        this(null, turns);
    }

    /** A source that reports {@code profile} (a planner test's table) and holds {@code turns}. */
    public InMemoryTurnSource(SourceProfile profile, List<Turn> turns) {
        this.profile = profile;
        this.turns = turns;
    }

    @Override
    public SourceProfile profile() {
        if (profile != null) return profile;
        return new SourceProfile(IdType.BIGINT, turns.get(0).id(), turns.get(turns.size() - 1).id(), turns.size());
    }

    @Override
    public List<String> sampleIds(int n) {
        return turns.stream().map(Turn::id).toList();
    }

    @Override
    public List<Turn> readPage(Shard shard, String after, int limit) {
        pagesRead++;
        long lo = Long.parseLong(shard.lo());
        long hi = Long.parseLong(shard.hi());
        List<Turn> out = new ArrayList<>();
        for (Turn t : turns) {
            long id = Long.parseLong(t.id());
            boolean lower = after == null ? id >= lo : id > Long.parseLong(after);
            if (lower && id <= hi && out.size() < limit) out.add(t);
        }
        return out;
    }

    @Override
    public List<Turn> readByIds(List<String> ids) {
        return turns.stream().filter(t -> ids.contains(t.id())).toList();
    }

    @Override
    public long countRows(Shard shard) {
        return readPage(shard, null, Integer.MAX_VALUE).size();
    }

    @Override
    public void close() {
    }
}
