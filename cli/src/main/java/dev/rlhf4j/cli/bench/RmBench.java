package dev.rlhf4j.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.GradAccumulator;
import dev.rlhf4j.core.train.GradClip;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.train.PairwiseLoss;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Reward-model throughput on a random model: training pairs per second (a whole optimizer step as
 * {@code RewardTrainer} runs it: both responses scored at their last real token, the pairwise
 * loss, backward, clipping, AdamW) and scoring pairs per second (forward only, no gradients).
 * Sequences are right-padded with ragged lengths between half the length and the length; the
 * fastest of the timed steps counts (after one warm-up step).
 */
final class RmBench {
    private RmBench() {}

    static Map<String, Object> run(ModelConfig c, int pairs, int scorePairs, int seq, int steps) {
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(); RewardModel rm = RewardModel.random(c, m, 1)) {
            List<NamedParameter> params = rm.trainableParameters();
            SplittableRandom rng = new SplittableRandom(7);
            long[][] batch = batch(rng, 2 * pairs, seq, c.vocabSize());
            long[][] scoreBatch = batch(rng, 2 * scorePairs, seq, c.vocabSize());
            double bestTrain = Double.MAX_VALUE;
            double bestScore = Double.MAX_VALUE;
            try (AdamW adam = AdamW.builder().setParameters(params).optWeightDecay(0).build()) {
                GradAccumulator acc = new GradAccumulator(1);
                for (int i = 0; i <= steps; i++) {
                    long t0 = System.nanoTime();
                    trainStep(rm, adam, acc, params, batch, pairs, m);
                    long t1 = System.nanoTime();
                    score(rm, scoreBatch, m);
                    long t2 = System.nanoTime();
                    if (i > 0) {
                        bestTrain = Math.min(bestTrain, (t1 - t0) / 1e9);
                        bestScore = Math.min(bestScore, (t2 - t1) / 1e9);
                    }
                }
            }
            row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
            row.put("params_m", c.parameterCount() / 1e6);
            row.put("seq", seq);
            row.put("train_pairs_per_step", pairs);
            row.put("train_pairs_per_s", pairs / bestTrain);
            row.put("score_pairs_per_batch", scorePairs);
            row.put("score_pairs_per_s", scorePairs / bestScore);
            row.put("score_to_train_ratio", (scorePairs / bestScore) / (pairs / bestTrain));
            row.put("peak_rss_mb", PeakRss.mb());
        }
        return row;
    }

    /** Rows 2i (chosen) and 2i+1 (rejected) of pair i: random ids, lengths in [seq/2, seq]. */
    private static long[][] batch(SplittableRandom rng, int rows, int seq, int vocab) {
        long[][] out = new long[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = rng.longs(seq / 2 + rng.nextInt(seq / 2 + 1), 1, vocab).toArray();
        }
        return out;
    }

    private static NDArray[] padded(long[][] rows, int seq, NDManager m) {
        long[] ids = new long[rows.length * seq];
        long[] mask = new long[rows.length * seq];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, ids, i * seq, rows[i].length);
            Arrays.fill(mask, i * seq, i * seq + rows[i].length, 1);
        }
        Shape shape = new Shape(rows.length, seq);
        return new NDArray[] {m.create(ids, shape), m.create(mask, shape)};
    }

    private static void trainStep(RewardModel rm, AdamW adam, GradAccumulator acc, List<NamedParameter> params,
            long[][] rows, int pairs, NDManager m) {
        int seq = Arrays.stream(rows).mapToInt(r -> r.length).max().orElseThrow();
        try (NDManager s = m.newSubManager()) {
            NDArray[] b = padded(rows, seq, s);
            long[] chosen = new long[pairs];
            long[] rejected = new long[pairs];
            for (int i = 0; i < pairs; i++) {
                chosen[i] = 2L * i;
                rejected[i] = 2L * i + 1;
            }
            NDArray ci = s.create(chosen);
            NDArray ri = s.create(rejected);
            NDArray margin = s.zeros(new Shape(pairs));
            NDArray target = s.ones(new Shape(pairs));
            NDArray weight = s.ones(new Shape(pairs)).div(pairs);
            acc.backward(() -> {
                NDArray scores = rm.scores(b[0], b[1], false);
                return PairwiseLoss.loss(scores.gather(ci, 0), scores.gather(ri, 0), margin, target, weight, 0);
            });
            GradClip.clipGlobalNorm(params, 1.0);
            adam.step(1e-5);
            adam.zeroGrad();
            acc.reset();
        }
    }

    private static void score(RewardModel rm, long[][] rows, NDManager m) {
        int seq = Arrays.stream(rows).mapToInt(r -> r.length).max().orElseThrow();
        try (NDManager s = m.newSubManager()) {
            NDArray[] b = padded(rows, seq, s);
            rm.scores(b[0], b[1]).toFloatArray();
        }
    }
}
