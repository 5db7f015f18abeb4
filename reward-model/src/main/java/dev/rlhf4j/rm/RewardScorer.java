package dev.rlhf4j.rm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.util.Checks;
import dev.rlhf4j.rm.data.PreferencePair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores many sequences or preference pairs with a reward model, without gradients, in batches.
 *
 * <p>Identical sequences are scored once (a ranking of K responses gives K(K−1)/2 pairs but only K
 * sequences), and sequences are batched in order of length so that little padding is computed.
 * Since a score never depends on padding or on the other rows of a batch, the order does not
 * change the results beyond float rounding of batched matrix products. Each batch runs in a
 * sub-manager of the scorer's manager, closed before the next.
 */
public final class RewardScorer {

    private final RewardModel model;
    private final RewardInputs inputs;
    private final int batchSize;
    private final NDManager manager;

    /**
     * @param model the reward model
     * @param inputs its tokenisation
     * @param batchSize sequences per forward pass (>= 1)
     * @param manager parent of the per-batch scopes
     */
    public RewardScorer(RewardModel model, RewardInputs inputs, int batchSize, NDManager manager) {
        this.model = Checks.notNull("model", model);
        this.inputs = Checks.notNull("inputs", inputs);
        this.batchSize = Checks.positive("batch_size", batchSize);
        this.manager = Checks.notNull("manager", manager);
    }

    /** The scores of a list of pairs: chosen and rejected, raw, in the pairs' order. */
    public record PairScores(float[] chosen, float[] rejected, long sequences, long tokens) {}

    /** Scores both responses of every pair (tokenised by {@link RewardInputs#side}). */
    public PairScores scorePairs(List<PreferencePair> pairs) {
        List<long[]> seqs = new ArrayList<>(2 * pairs.size());
        for (PreferencePair p : pairs) {
            seqs.add(inputs.side(p, true));
            seqs.add(inputs.side(p, false));
        }
        Counted all = score(seqs);
        float[] chosen = new float[pairs.size()];
        float[] rejected = new float[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            chosen[i] = all.scores[2 * i];
            rejected[i] = all.scores[2 * i + 1];
        }
        return new PairScores(chosen, rejected, all.unique, all.tokens);
    }

    /** Raw scores of token sequences (each already finished by {@link RewardInputs#finish}), in order. */
    public float[] scoreSequences(List<long[]> sequences) {
        return score(sequences).scores;
    }

    private record Counted(float[] scores, long unique, long tokens) {}

    private Counted score(List<long[]> sequences) {
        Map<Key, Integer> index = new HashMap<>();
        List<long[]> unique = new ArrayList<>();
        int[] slot = new int[sequences.size()];
        for (int i = 0; i < sequences.size(); i++) {
            long[] s = sequences.get(i);
            Integer at = index.putIfAbsent(new Key(s), unique.size());
            if (at == null) {
                at = unique.size();
                unique.add(s);
            }
            slot[i] = at;
        }
        Integer[] order = new Integer[unique.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> unique.get(i).length));
        float[] uniqueScores = new float[unique.size()];
        long tokens = 0;
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<long[]> batch = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                batch.add(unique.get(order[k]));
            }
            try (NDManager scope = manager.newSubManager()) {
                RewardInputs.Batch b = RewardInputs.Batch.of(batch, padId(), scope);
                NDArray scores = model.scores(b.ids(), b.mask()); // (N)
                float[] values = scores.toFloatArray();
                for (int k = start; k < end; k++) {
                    uniqueScores[order[k]] = values[k - start];
                }
                tokens += b.realTokens();
            }
        }
        float[] out = new float[sequences.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = uniqueScores[slot[i]];
        }
        return new Counted(out, unique.size(), tokens);
    }

    /** Pads with the id the model pools by, so padding is never where a score is read. */
    private long padId() {
        return model.padTokenId() >= 0 ? model.padTokenId() : inputs.tokenizer().padId();
    }

    /** The distinct sequences of {@code sequences}, in order of first appearance. */
    public static List<long[]> unique(List<long[]> sequences) {
        Map<Key, long[]> seen = new java.util.LinkedHashMap<>();
        for (long[] s : sequences) {
            seen.putIfAbsent(new Key(s), s);
        }
        return new ArrayList<>(seen.values());
    }

    /** A token sequence as a hash key. */
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
