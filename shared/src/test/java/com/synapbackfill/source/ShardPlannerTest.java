package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.synapbackfill.model.IdType;
import com.synapbackfill.model.Shard;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ShardPlannerTest {

    static void assertCoversExactly(List<Shard> shards, long min, long max) {
        assertThat(shards).isNotEmpty();
        assertThat(Long.parseLong(shards.get(0).lo())).isEqualTo(min);
        assertThat(Long.parseLong(shards.get(shards.size() - 1).hi())).isEqualTo(max);
        for (int i = 1; i < shards.size(); i++) {
            BigInteger prevHi = new BigInteger(shards.get(i - 1).hi());
            assertThat(new BigInteger(shards.get(i).lo())).as("no gap, no overlap at shard " + i).isEqualTo(prevHi.add(BigInteger.ONE));
            assertThat(shards.get(i).shardNo()).isEqualTo(i);
        }
    }

    @Test
    void cutsDenseIdsArithmeticallyIntoTheWantedCount() {
        List<Shard> shards = ShardPlanner.plan("r", new SourceProfile(IdType.BIGINT, "1", "20000", 20_000), 2_000, List.of());
        assertThat(shards).hasSize(10);
        assertCoversExactly(shards, 1, 20_000);
        assertThat(shards.get(0).hi()).isEqualTo("2000");
    }

    @Test
    void uniformSampleOfDenseIdsStillGivesTheWantedCount() {
        List<String> sample = new ArrayList<>();
        for (int i = 1; i <= 20_000; i += 7) sample.add(Integer.toString(i));
        List<Shard> shards = ShardPlanner.plan("r", new SourceProfile(IdType.BIGINT, "1", "20000", 20_000), 2_000, sample);
        assertThat(shards).hasSize(10);
        assertCoversExactly(shards, 1, 20_000);
    }

    @Test
    void handlesNegativeIdsAndLongMaxValueWithoutOverflow() {
        List<Shard> shards = ShardPlanner.planLong("r", Long.MIN_VALUE, Long.MAX_VALUE, 7, List.of());
        assertThat(shards).hasSize(7);
        assertCoversExactly(shards, Long.MIN_VALUE, Long.MAX_VALUE);
        List<Shard> top = ShardPlanner.planLong("r", Long.MAX_VALUE - 2, Long.MAX_VALUE, 10, List.of());
        assertThat(top).hasSize(3);
        assertCoversExactly(top, Long.MAX_VALUE - 2, Long.MAX_VALUE);
    }

    @Test
    void oneRowGivesOneShardAndEmptyGivesNone() {
        assertThat(ShardPlanner.plan("r", new SourceProfile(IdType.BIGINT, "5", "5", 1), 1000, List.of("5"))).hasSize(1);
        assertThat(ShardPlanner.plan("r", new SourceProfile(IdType.BIGINT, null, null, 0), 1000, List.of())).isEmpty();
    }

    @Test
    void skewedIdsAreCutAtQuantilesSoShardsStayBalanced() {
        // 90% of 100k rows in the first 1% of the id space
        Random r = new Random(3);
        TreeSet<Long> ids = new TreeSet<>();
        while (ids.size() < 90_000) ids.add(1 + (long) r.nextInt(100_000));
        while (ids.size() < 100_000) ids.add(100_000 + (long) r.nextInt(9_900_000));
        List<Long> all = new ArrayList<>(ids);
        List<Long> sample = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 25) sample.add(all.get(i));
        List<Shard> shards = ShardPlanner.planLong("r", all.get(0), all.get(all.size() - 1), 20, sample);
        assertCoversExactly(shards, all.get(0), all.get(all.size() - 1));
        long[] counts = new long[shards.size()];
        for (long id : all) for (Shard s : shards) if (id >= Long.parseLong(s.lo()) && id <= Long.parseLong(s.hi())) counts[s.shardNo()]++;
        double mean = (double) all.size() / shards.size();
        for (long c : counts) assertThat((double) c).isLessThanOrEqualTo(2 * mean);
    }

    @Test
    void randomIdSetsAreCoveredExactlyOnce() {
        Random r = new Random(11);
        for (int round = 0; round < 200; round++) {
            TreeSet<Long> ids = new TreeSet<>();
            int n = 1 + r.nextInt(500);
            long base = r.nextBoolean() ? r.nextLong() / 2 : r.nextInt(1000);
            while (ids.size() < n) ids.add(base + (r.nextBoolean() ? r.nextInt(1000) : (long) r.nextInt(Integer.MAX_VALUE)));
            List<Long> all = new ArrayList<>(ids);
            List<Long> sample = new ArrayList<>();
            for (long id : all) if (r.nextInt(3) == 0) sample.add(id);
            List<Shard> shards = ShardPlanner.planLong("r", all.get(0), all.get(all.size() - 1), 1 + r.nextInt(20), sample);
            assertCoversExactly(shards, all.get(0), all.get(all.size() - 1));
            for (long id : all) {
                long hits = shards.stream().filter(s -> id >= Long.parseLong(s.lo()) && id <= Long.parseLong(s.hi())).count();
                assertThat(hits).as("id %d in exactly one shard", id).isEqualTo(1);
            }
        }
    }

    @Test
    void uuidShardsAreContiguousOn128Bits() {
        List<String> sample = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 1000; i++) sample.add(new UUID(r.nextLong() & Long.MAX_VALUE, r.nextLong()).toString());
        sample.sort(String::compareTo);
        List<Shard> shards = ShardPlanner.planUuid("r", sample.get(0), sample.get(999), 8, sample);
        assertThat(shards).hasSize(8);
        for (int i = 1; i < shards.size(); i++) {
            assertThat(ShardPlanner.uuidValue(shards.get(i).lo()))
                    .isEqualTo(ShardPlanner.uuidValue(shards.get(i - 1).hi()).add(BigInteger.ONE));
        }
    }

    @Test
    void textShardsChainExclusiveLowerBounds() {
        List<String> sample = new ArrayList<>();
        for (int i = 0; i < 100; i++) sample.add(String.format("k%03d", i));
        List<Shard> shards = ShardPlanner.planText("r", "k000", "k099", 4, sample);
        assertThat(shards).hasSize(4);
        assertThat(shards.get(0).loExclusive()).isFalse();
        for (int i = 1; i < shards.size(); i++) {
            assertThat(shards.get(i).loExclusive()).isTrue();
            assertThat(shards.get(i).lo()).isEqualTo(shards.get(i - 1).hi());
        }
        assertThat(shards.get(3).hi()).isEqualTo("k099");
    }
}
