package dev.rlhf4j.rm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.data.PreferencePair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One micro-batch of groups as arrays: the distinct sequences to score, and per pair the index of
 * its chosen and rejected sequence, its margin, the share of its votes for the chosen side and its
 * weight ({@link PairwiseLoss#weights}).
 *
 * <p>Dimensions: N distinct sequences, T their longest length, P pairs.
 */
final class PairBatch {

    final List<long[]> sequences = new ArrayList<>();
    final long[] chosenIndex;
    final long[] rejectedIndex;
    final float[] margin;
    final float[] target;
    final float[] weight;

    PairBatch(List<List<PreferencePair>> groups, RewardInputs inputs, boolean useMargin) {
        int pairs = groups.stream().mapToInt(List::size).sum();
        chosenIndex = new long[pairs];
        rejectedIndex = new long[pairs];
        margin = new float[pairs];
        target = new float[pairs];
        Map<Key, Integer> index = new HashMap<>();
        List<String> groupKeys = new ArrayList<>(pairs);
        int[] votes = new int[pairs];
        int i = 0;
        for (int g = 0; g < groups.size(); g++) {
            for (PreferencePair p : groups.get(g)) {
                chosenIndex[i] = slot(index, inputs.side(p, true));
                rejectedIndex[i] = slot(index, inputs.side(p, false));
                margin[i] = useMargin && p.margin() != null ? p.margin().floatValue() : 0f;
                target[i] = (float) p.votes().chosenRate();
                votes[i] = Math.max(1, p.votes().total());
                groupKeys.add(Integer.toString(g));
                i++;
            }
        }
        weight = PairwiseLoss.weights(groupKeys, votes);
    }

    private int slot(Map<Key, Integer> index, long[] ids) {
        return index.computeIfAbsent(new Key(ids), k -> {
            sequences.add(ids);
            return sequences.size() - 1;
        });
    }

    int pairs() {
        return chosenIndex.length;
    }

    /** The arrays, created in {@code m}: ids/mask (N, T), chosen/rejected index (P), margin, target and weight (P). */
    Tensors arrays(NDManager m, long padId) {
        RewardInputs.Batch b = RewardInputs.Batch.of(sequences, padId, m);
        Shape p = new Shape(pairs());
        return new Tensors(b.ids(), b.mask(), m.create(chosenIndex, p), m.create(rejectedIndex, p),
                m.create(margin, p), m.create(target, p), m.create(weight, p), b.realTokens());
    }

    record Tensors(NDArray ids, NDArray mask, NDArray chosenIndex, NDArray rejectedIndex, NDArray margin,
            NDArray target, NDArray weight, long realTokens) {}

    private record Key(long[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }
}
