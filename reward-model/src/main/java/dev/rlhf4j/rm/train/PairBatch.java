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
 * its chosen and rejected sequence, its margin and its weight {@code 1 / (G · |g|)}.
 *
 * <p>Dimensions: N distinct sequences, T their longest length, P pairs.
 */
final class PairBatch {

    final List<long[]> sequences = new ArrayList<>();
    final long[] chosenIndex;
    final long[] rejectedIndex;
    final float[] margin;
    final float[] weight;

    PairBatch(List<List<PreferencePair>> groups, RewardInputs inputs, boolean useMargin) {
        int pairs = groups.stream().mapToInt(List::size).sum();
        chosenIndex = new long[pairs];
        rejectedIndex = new long[pairs];
        margin = new float[pairs];
        weight = new float[pairs];
        Map<Key, Integer> index = new HashMap<>();
        int i = 0;
        for (List<PreferencePair> g : groups) {
            for (PreferencePair p : g) {
                chosenIndex[i] = slot(index, inputs.conversation(p.prompt(), p.chosen()));
                rejectedIndex[i] = slot(index, inputs.conversation(p.prompt(), p.rejected()));
                margin[i] = useMargin && p.margin() != null ? p.margin().floatValue() : 0f;
                weight[i] = (float) (1.0 / ((double) groups.size() * g.size()));
                i++;
            }
        }
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

    /** The arrays, created in {@code m}: ids/mask (N, T), chosen/rejected index (P), margin (P), weight (P). */
    Tensors arrays(NDManager m, long padId) {
        RewardInputs.Batch b = RewardInputs.Batch.of(sequences, padId, m);
        Shape p = new Shape(pairs());
        return new Tensors(b.ids(), b.mask(), m.create(chosenIndex, p), m.create(rejectedIndex, p),
                m.create(margin, p), m.create(weight, p), b.realTokens());
    }

    record Tensors(NDArray ids, NDArray mask, NDArray chosenIndex, NDArray rejectedIndex, NDArray margin,
            NDArray weight, long realTokens) {}

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
