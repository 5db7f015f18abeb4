package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.core.util.Checks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleBiFunction;

/**
 * Best-of-n sampling (rejection sampling): n responses per prompt from the policy, each scored by
 * the reward model exactly as PPO scores a rollout ({@link RewardModels#scorer}: the prompt as
 * given and the response's text, so a sample's score equals {@code rlhf4j rm score} of the same
 * prompt and response), ranked. The best response per prompt is rejection-sampling fine-tuning data
 * (the "rejection sampling" of Llama 2); all n samples give best-of-k for every k ≤ n
 * ({@link BestOfK}) from one sampling.
 *
 * <p><b>Sampling.</b> The n copies of each prompt are laid out prompt after prompt and generated
 * {@code batchSize} rows at a time (KV cache, {@link Generator}). Batch b samples with the b-th
 * number of {@code SeededRng(sampling.seed())}: the same seed and batch size give the same
 * samples. Every array of a batch (the generation, the reward model's forward) lives in a
 * sub-manager of {@code parent} closed at the end of the batch.
 *
 * <p><b>Ranking.</b> Higher score ranks higher; with {@link MissingEos#RANK_LAST} (the default) a
 * response that never produced EOS within {@code max_new_tokens} ranks below every response that
 * did (it was cut off; PPO replaces its score for the same reason, PPO-NOTES). Equal ranks keep
 * sampling order: the best is the first drawn of the highest.
 */
public final class BestOfN {

    /** Where a response without EOS ranks. */
    public enum MissingEos {
        /** Below every response that ended with EOS; among themselves by score (default). */
        RANK_LAST,
        /** By score like any other. */
        IGNORE
    }

    /**
     * One sampled response.
     *
     * @param response its text (special tokens skipped, as PPO decodes it)
     * @param endedWithEos whether it ended with EOS within {@code max_new_tokens}
     * @param tokens its length in policy tokens, EOS included
     * @param score the reward model's raw score
     */
    public record Draw(String response, boolean endedWithEos, int tokens, float score) implements Serializable {

        private static final long serialVersionUID = 1L;
    }

    /**
     * The n draws of one prompt, in sampling order.
     *
     * @param prompt the prompt as read
     * @param draws its n responses
     * @param missingEos how a response without EOS ranks
     */
    public record Result(PromptSource.Prompt prompt, List<Draw> draws, MissingEos missingEos) {

        public Result {
            draws = List.copyOf(draws);
            Checks.notEmpty("draws", draws);
        }

        /** The raw scores, (n). */
        public double[] scores() {
            double[] s = new double[draws.size()];
            for (int j = 0; j < s.length; j++) {
                s[j] = draws.get(j).score();
            }
            return s;
        }

        /**
         * The keys the draws are ranked by, (n), higher is better: the score, and with {@link
         * MissingEos#RANK_LAST} the scores of responses without EOS moved below the lowest score of
         * those with it (their order among themselves kept).
         */
        public double[] rankKeys() {
            double[] keys = scores();
            if (missingEos == MissingEos.IGNORE) {
                return keys;
            }
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double k : keys) {
                min = Math.min(min, k);
                max = Math.max(max, k);
            }
            double shift = max - min + 1;
            for (int j = 0; j < keys.length; j++) {
                if (!draws.get(j).endedWithEos()) {
                    keys[j] -= shift;
                }
            }
            return keys;
        }

        /** The index of the best draw (the first drawn among equals). */
        public int best() {
            double[] keys = rankKeys();
            int best = 0;
            for (int j = 1; j < keys.length; j++) {
                if (keys[j] > keys[best]) {
                    best = j;
                }
            }
            return best;
        }

        /** Each draw's rank, 1 = best; equals ranked in sampling order. */
        public int[] ranks() {
            double[] keys = rankKeys();
            int[] ranks = new int[keys.length];
            for (int j = 0; j < keys.length; j++) {
                int above = 0;
                for (int i = 0; i < keys.length; i++) {
                    above += keys[i] > keys[j] || (keys[i] == keys[j] && i < j) ? 1 : 0;
                }
                ranks[j] = above + 1;
            }
            return ranks;
        }

        /** The expected {@code values[j]} of the best of {@code k} draws taken from these n ({@link BestOfK}). */
        public double bestOf(int k, double[] values) {
            return BestOfK.expectedValueOfBest(rankKeys(), values, k);
        }
    }

    private BestOfN() {}

    /**
     * Samples {@code n} responses to every prompt and scores them.
     *
     * @param policy the policy, used as is (freeze it first: {@code setTrainable(false)})
     * @param tokenizer the policy's tokenizer
     * @param scorer the reward model ({@link RewardModels#scorer}), or any scorer
     * @param prompts the prompts ({@link PromptSource#read})
     * @param n samples per prompt, ≥ 1
     * @param sampling temperature, top-k, top-p, max new tokens and seed; its stop ids end a response as EOS does
     * @param batchSize rows (prompt copies) per generation and scoring batch, ≥ 1
     * @param missingEos how a response without EOS ranks
     * @param parent the manager the per-batch scopes are opened under
     * @return one result per prompt, in prompt order
     * @throws IllegalArgumentException when the reward model gives a non-finite score, naming the prompt and sample
     */
    public static List<Result> sample(CausalLM policy, Tokenizer tokenizer, SequenceScorer scorer,
            List<PromptSource.Prompt> prompts, int n, SamplingConfig sampling, int batchSize, MissingEos missingEos,
            NDManager parent) {
        Checks.positive("n", n);
        Checks.positive("batch_size", batchSize);
        Checks.notEmpty("prompts", prompts);
        Checks.notNull("missing_eos", missingEos);
        List<Draw> draws = sampleBatches(policy, tokenizer, scorer, prompts, n, sampling, batchSize, 0,
                batches(prompts.size(), n, batchSize), parent);
        return results(prompts, draws, n, missingEos);
    }

    /** The generation batches of a sampling: {@code prompts × n} rows, {@code batchSize} at a time. */
    public static long batches(int prompts, int n, int batchSize) {
        Checks.positive("batch_size", batchSize);
        return ((long) prompts * n + batchSize - 1) / batchSize;
    }

    /**
     * Batches {@code [first, end)} of {@link #sample}'s sampling: the draws of their rows, in row
     * order (row {@code i × n + j} is sample j of prompt i). Batch b is seeded by draw b of {@code
     * SeededRng(sampling.seed())} whoever runs it, so processes that split the batches among them
     * draw what one process drawing them all does.
     */
    public static List<Draw> sampleBatches(CausalLM policy, Tokenizer tokenizer, SequenceScorer scorer,
            List<PromptSource.Prompt> prompts, int n, SamplingConfig sampling, int batchSize, long first, long end,
            NDManager parent) {
        Checks.positive("n", n);
        long rows = (long) prompts.size() * n;
        Checks.between("first batch", first, 0, end);
        Checks.between("end batch", end, first, batches(prompts.size(), n, batchSize));
        Generator generator = new Generator(policy, tokenizer.padId(), tokenizer.eosIds()).withoutLogProbs();
        List<Draw> draws = new ArrayList<>();
        for (long b = first; b < end; b++) {
            long start = b * batchSize;
            int size = (int) Math.min(batchSize, rows - start);
            List<PromptSource.Prompt> batch = new ArrayList<>(size);
            for (long row = start; row < start + size; row++) {
                batch.add(prompts.get((int) (row / n)));
            }
            long seed = new SeededRng(sampling.seed(), b).nextLong();
            draws.addAll(sampleBatch(generator, tokenizer, scorer, batch, reseeded(sampling, seed), start, n, parent));
        }
        return draws;
    }

    /** Every row's draw, in row order, as one result per prompt. */
    public static List<Result> results(List<PromptSource.Prompt> prompts, List<Draw> draws, int n,
            MissingEos missingEos) {
        if (draws.size() != (long) prompts.size() * n) {
            throw new IllegalArgumentException("expected " + n + " draws for each of " + prompts.size() + " prompts, but got "
                    + draws.size());
        }
        List<Result> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new Result(prompts.get(i), draws.subList(i * n, (i + 1) * n), missingEos));
        }
        return out;
    }

    /** One batch: generate, decode, score; every array in a scope closed before returning. */
    private static List<Draw> sampleBatch(Generator generator, Tokenizer tokenizer, SequenceScorer scorer,
            List<PromptSource.Prompt> batch, SamplingConfig sampling, long firstRow, int n, NDManager parent) {
        List<long[]> tokens = batch.stream().map(PromptSource.Prompt::tokens).toList();
        try (NDManager m = parent.newSubManager()) {
            Generation g = generator.generate(tokens, sampling, m);
            Rollout r = Rollout.of(tokens, g, tokenizer.padId(), m);
            List<SequenceScorer.Sample> samples = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                samples.add(new SequenceScorer.Sample(batch.get(i), tokenizer.decode(g.response(i), true)));
            }
            float[] scores = scorer.scores(r.ids(), r.attentionMask(), samples).toFloatArray(); // (B)
            List<Draw> out = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                if (!Float.isFinite(scores[i])) {
                    long row = firstRow + i;
                    throw new IllegalArgumentException("the reward model scored sample " + (row % n + 1) + " of prompt "
                            + (row / n + 1) + " as " + scores[i] + "; its weights or inputs are broken");
                }
                out.add(new Draw(samples.get(i).response(), g.endedWithStop()[i], g.lengths()[i], scores[i]));
            }
            return out;
        }
    }

    /**
     * The mean over prompts of the expected {@code value} of the best of k draws, for k = 1..maxK
     * (index k − 1): the y of a best-of-n curve whose x is {@link BestOfK#klBon}(k). With {@code
     * value = draw.score()} it is the proxy curve; with a gold reward, the gold curve.
     */
    public static double[] curve(List<Result> results, int maxK,
            ToDoubleBiFunction<PromptSource.Prompt, Draw> value) {
        Checks.notEmpty("results", results);
        double[] mean = new double[maxK];
        for (Result r : results) {
            Checks.between("k", maxK, 1, r.draws().size());
            double[] v = new double[r.draws().size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = value.applyAsDouble(r.prompt(), r.draws().get(j));
            }
            for (int k = 1; k <= maxK; k++) {
                mean[k - 1] += r.bestOf(k, v) / results.size();
            }
        }
        return mean;
    }

    private static SamplingConfig reseeded(SamplingConfig c, long seed) {
        return new SamplingConfig(c.maxNewTokens(), c.temperature(), c.topK(), c.topP(), c.greedy(), c.stopIds(), seed);
    }
}
