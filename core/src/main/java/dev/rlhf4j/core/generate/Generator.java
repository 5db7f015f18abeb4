package dev.rlhf4j.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.rlhf4j.core.model.CausalLM;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Batched sampling with a KV cache.
 *
 * <p>Prompts of different lengths are left-padded; positions count real tokens only (as
 * transformers' {@code generate}). The prompt is run once, then one token per step against the
 * cache ({@link DecodingBatch}, shared with {@link BeamSearch}). A sequence stops at its first EOS
 * or stop token; finished rows are dropped from the batch, so they stop costing work.
 *
 * <p>Sampling is by inverse CDF on the filtered distribution (DJL's PyTorch engine has no
 * multinomial): one uniform number per row from a {@link SplittableRandom} seeded by the config,
 * so the same seed gives the same samples on any thread count.
 *
 * <p>Greedy decoding takes the arg-max of the logits, as transformers does; the
 * log-probability of each sampled token costs a log-softmax and a gather per step, so a generator
 * made {@link #withoutLogProbs()} skips them when nobody reads them.
 *
 * <p>Dimensions: B batch (active rows), V vocabulary.
 */
public final class Generator {
    private final CausalLM model;
    private final int padId;
    private final Set<Long> eosIds = new HashSet<>();
    private final boolean useCache;
    private final boolean withLogProbs;

    public Generator(CausalLM model, int padId, List<Integer> eosIds) {
        this(model, padId, eosIds, true, true);
    }

    private Generator(CausalLM model, int padId, List<Integer> eosIds, boolean useCache, boolean withLogProbs) {
        this.model = model;
        this.padId = padId;
        eosIds.forEach(id -> this.eosIds.add((long) id));
        this.useCache = useCache;
        this.withLogProbs = withLogProbs;
    }

    /** The same generator recomputing the whole sequence every step: the baseline the cache is measured against. */
    public Generator withoutCache() {
        return new Generator(model, padId, eosIdList(), false, withLogProbs);
    }

    /**
     * The same generator without the per-token log-probabilities ({@link Generation#logProbs} is
     * then all zeros): for callers that score the sequences themselves, as PPO does.
     */
    public Generator withoutLogProbs() {
        return new Generator(model, padId, eosIdList(), useCache, false);
    }

    private List<Integer> eosIdList() {
        return new ArrayList<>(eosIds.stream().map(Long::intValue).toList());
    }

    /** Generates a continuation for each prompt (token ids, without padding). */
    public Generation generate(List<long[]> prompts, SamplingConfig cfg, NDManager parent) {
        int b = prompts.size();
        Set<Long> stops = new HashSet<>(eosIds);
        cfg.stopIds().forEach(id -> stops.add((long) id));
        SplittableRandom rng = new SplittableRandom(cfg.seed());

        long[][] tokens = new long[b][cfg.maxNewTokens()];
        float[][] logProbs = new float[b][cfg.maxNewTokens()];
        int[] lengths = new int[b];
        boolean[] ended = new boolean[b];
        List<Integer> active = new ArrayList<>(); // the prompt of each row of the batch
        for (int i = 0; i < b; i++) {
            active.add(i);
        }

        try (NDManager genManager = parent.newSubManager();
                DecodingBatch batch = new DecodingBatch(model, prompts, padId, cfg.maxNewTokens(), useCache, genManager)) {
            for (int step = 0; step < cfg.maxNewTokens() && !active.isEmpty(); step++) {
                long[] sampled;
                float[] sampledLogProb;
                try (NDManager m = genManager.newSubManager()) {
                    NDArray logits = batch.nextLogits(m); // (B, V)
                    NDArray logp = cfg.greedy() && !withLogProbs ? null : filteredLogProbs(logits, cfg); // (B, V)
                    NDArray choice = (cfg.greedy() ? logits.argMax(1) : inverseCdf(logp, rng, active.size()))
                            .toType(DataType.INT64, false); // (B)
                    sampled = choice.toLongArray();
                    sampledLogProb = withLogProbs ? logp.gather(choice.expandDims(1), 1).toFloatArray()
                            : new float[active.size()];
                }
                batch.append(sampled);
                List<Integer> stillActive = new ArrayList<>();
                List<Long> keepRows = new ArrayList<>();
                for (int r = 0; r < active.size(); r++) {
                    int i = active.get(r);
                    tokens[i][step] = sampled[r];
                    logProbs[i][step] = sampledLogProb[r];
                    lengths[i] = step + 1;
                    if (stops.contains(sampled[r])) {
                        ended[i] = true;
                    } else {
                        stillActive.add(i);
                        keepRows.add((long) r);
                    }
                }
                if (!stillActive.isEmpty()) {
                    batch.selectRows(keepRows.stream().mapToLong(Long::longValue).toArray()); // finished rows stop costing work
                }
                active = stillActive;
            }
        }
        return Generation.padded(tokens, logProbs, lengths, ended, padId);
    }

    /**
     * Log-probabilities of the sampling distribution: logits / temperature, then top-k, then top-p
     * (transformers' warper order), renormalised. Filtered tokens get -inf. (B, V) → (B, V).
     */
    static NDArray filteredLogProbs(NDArray logits, SamplingConfig cfg) {
        if (cfg.greedy()) {
            return logits.logSoftmax(1);
        }
        NDArray scaled = logits.div(cfg.temperature());
        long v = scaled.getShape().get(1);
        if (cfg.topK() > 0 && cfg.topK() < v) {
            NDArray kth = scaled.topK(cfg.topK(), 1).get(0).get(new NDIndex(":, -1:")); // (B, 1)
            scaled = NDArrays.where(scaled.lt(kth), scaled.getManager().full(scaled.getShape(), Float.NEGATIVE_INFINITY), scaled);
        }
        if (cfg.topP() < 1f) {
            // sort ascending; drop the tokens whose cumulative probability stays within 1 - p
            NDArray sortedIdx = scaled.argSort(1, true);
            NDArray sorted = scaled.gather(sortedIdx, 1);
            NDArray cum = sorted.softmax(1).cumSum(1);
            NDArray notMostLikely = scaled.getManager().arange(0, v, 1, DataType.INT64).lt(v - 1); // (V)
            NDArray removeSorted = cum.lte(1f - cfg.topP()).logicalAnd(notMostLikely).toType(DataType.FLOAT32, false);
            NDArray remove = removeSorted.scatter(sortedIdx, removeSorted, 1).toType(DataType.BOOLEAN, false);
            scaled = NDArrays.where(remove, scaled.getManager().full(scaled.getShape(), Float.NEGATIVE_INFINITY), scaled);
        }
        return scaled.logSoftmax(1);
    }

    /** One token per row, by inverse CDF: the first index whose cumulative probability exceeds u · total. */
    static NDArray inverseCdf(NDArray logp, SplittableRandom rng, int rows) {
        float[] u = new float[rows];
        for (int i = 0; i < rows; i++) {
            u[i] = (float) rng.nextDouble();
        }
        NDArray cdf = logp.exp().cumSum(1); // (B, V)
        NDArray threshold = logp.getManager().create(u).expandDims(1).mul(cdf.get(new NDIndex(":, -1:")));
        return cdf.lte(threshold).toType(DataType.INT64, false).sum(new int[] {1});
    }

}
