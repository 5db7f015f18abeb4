package dev.rlhf4j.rm.train;

import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.rm.data.PreferencePair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training data as an endless, reshuffled stream of groups: the pairs of one ranking (same
 * {@code group_id}) form a group, a pair without one is a group of its own. Epoch {@code e} visits
 * every group once in an order drawn from {@code (seed, e)} alone, so the stream's whole state is
 * its position: {@code epoch = position / groups}, {@code dataPosition = position % groups}
 * ({@link dev.rlhf4j.core.train.TrainerState}).
 */
final class GroupStream {

    private static final long DATA_STREAM = 0x6461_7461L; // "data": a stream of its own, apart from the dropout seeds

    private final List<List<PreferencePair>> groups;
    private final long seed;
    private long position;
    private long orderEpoch = -1;
    private int[] order;

    GroupStream(List<List<PreferencePair>> groups, long seed, long position) {
        this.groups = List.copyOf(groups);
        this.seed = seed;
        this.position = position;
    }

    /** Groups pairs by {@code group_id}, in order of first appearance. */
    static List<List<PreferencePair>> group(List<PreferencePair> pairs) {
        Map<Object, List<PreferencePair>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            PreferencePair p = pairs.get(i);
            Object key = p.groupId() != null ? p.groupId() : Integer.valueOf(i);
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
        }
        return List.copyOf(byKey.values());
    }

    /** The next {@code count} groups (crossing into the next epoch when this one ends). */
    List<List<PreferencePair>> next(int count) {
        List<List<PreferencePair>> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            long epoch = position / groups.size();
            if (epoch != orderEpoch) {
                order = permutation(epoch);
                orderEpoch = epoch;
            }
            out.add(groups.get(order[(int) (position % groups.size())]));
            position++;
        }
        return out;
    }

    private int[] permutation(long epoch) {
        List<Integer> idx = new ArrayList<>(groups.size());
        for (int i = 0; i < groups.size(); i++) {
            idx.add(i);
        }
        new SeededRng(new SeededRng(seed ^ DATA_STREAM, epoch).nextLong()).shuffle(idx);
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    int size() {
        return groups.size();
    }

    long epoch() {
        return position / groups.size();
    }

    long positionInEpoch() {
        return position % groups.size();
    }
}
