package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Slices;
import java.util.List;

/**
 * One batch of prompts and sampled responses laid out for scoring and training.
 *
 * <p>Dimensions: B rollouts, P prompt width (left-padded), N response width (right-padded), S = P + N.
 * The logits and values that belong to response token t sit at sequence position P − 1 + t
 * (the state before the token), so {@link #responseSlice} of a (B, S, ...) array is (B, N, ...).
 *
 * @param ids (B, S) prompt then response tokens
 * @param attentionMask (B, S) 1 on real prompt and response tokens
 * @param positions (B, S) position ids counting real tokens only
 * @param responses (B, N) response tokens
 * @param mask (B, N) 1 on real response tokens (up to and including EOS), float32
 * @param hasEos (B) whether each response ended with EOS, float32
 * @param promptWidth P
 */
public record Rollout(NDArray ids, NDArray attentionMask, NDArray positions, NDArray responses, NDArray mask,
        NDArray hasEos, int promptWidth) {

    public static Rollout of(List<long[]> prompts, Generation g, long padId, NDManager m) {
        int b = prompts.size();
        int p = prompts.stream().mapToInt(x -> x.length).max().orElseThrow();
        int n = Math.max(1, g.tokens()[0].length);
        long[][] ids = new long[b][p + n];
        long[][] attention = new long[b][p + n];
        long[][] responses = new long[b][n];
        float[][] mask = new float[b][n];
        float[] eos = new float[b];
        for (int i = 0; i < b; i++) {
            long[] prompt = prompts.get(i);
            int pad = p - prompt.length;
            java.util.Arrays.fill(ids[i], padId);
            System.arraycopy(prompt, 0, ids[i], pad, prompt.length);
            java.util.Arrays.fill(attention[i], pad, p, 1);
            java.util.Arrays.fill(responses[i], padId);
            for (int t = 0; t < g.lengths()[i]; t++) {
                ids[i][p + t] = g.tokens()[i][t];
                responses[i][t] = g.tokens()[i][t];
                attention[i][p + t] = 1;
                mask[i][t] = 1f;
            }
            eos[i] = g.endedWithStop()[i] ? 1f : 0f;
        }
        NDArray attentionMask = m.create(attention);
        return new Rollout(m.create(ids), attentionMask, CausalLM.positionsFromMask(attentionMask), m.create(responses),
                m.create(mask), m.create(eos), p);
    }

    public int batchSize() {
        return (int) ids.getShape().get(0);
    }

    public int responseWidth() {
        return (int) responses.getShape().get(1);
    }

    /** (B, S, ...) → (B, N, ...): the positions that predict response tokens. */
    public NDArray responseSlice(NDArray x) {
        long s = x.getShape().get(1);
        return Slices.along(x, 1, promptWidth - 1, s - 1); // one slice: its backward copies once, see Slices
    }

    /**
     * The logits that predicted the response tokens, (B, N, V): the LM head runs on the response
     * positions' hidden states only, not on the prompt's (whose logits PPO never reads), which
     * saves the head's matmuls there and the (B, S, V) array, forward and backward.
     */
    public NDArray responseLogits(CausalLM model) {
        return model.logits(responseSlice(model.hidden(ids, attentionMask, positions, null, false)));
    }

    /**
     * The rows {@code rows} of this rollout, in the manager of {@code rows}: a minibatch's forward
     * then builds its whole graph in the minibatch scope, not in the rollout's.
     */
    public Rollout rows(NDArray rows) {
        return new Rollout(take(ids, rows), take(attentionMask, rows), take(positions, rows), take(responses, rows),
                take(mask, rows), take(hasEos, rows), promptWidth);
    }

    /** This rollout copied into {@code m}, so that work on it is freed with {@code m}. */
    public Rollout copyTo(NDManager m) {
        return new Rollout(copy(ids, m), copy(attentionMask, m), copy(positions, m), copy(responses, m), copy(mask, m),
                copy(hasEos, m), promptWidth);
    }

    /** Rows of {@code x} (along axis 0), created in the manager of {@code rows}. */
    public static NDArray take(NDArray x, NDArray rows) {
        return x.get(rows.getManager(), new NDIndex("{}", rows));
    }

    private static NDArray copy(NDArray x, NDManager m) {
        NDArray c = x.duplicate();
        c.attach(m);
        return c;
    }

    /**
     * Log-probs of the response tokens under {@code model}, logits divided by the sampling
     * temperature. (B, N), in this rollout's manager; the forward's temporaries (the (B, N, V)
     * logits among them) live in a scope of their own, closed before returning.
     */
    public NDArray logProbs(CausalLM model, float temperature) {
        NDManager target = ids.getManager();
        try (NDManager s = target.newSubManager()) {
            Rollout local = copyTo(s);
            NDArray out = LogProbs.logProbsOf(local.responseLogits(model), local.responses, temperature);
            out.attach(target);
            return out;
        }
    }

    /** Real response tokens in the batch. */
    public long tokenCount() {
        return (long) mask.sum().getFloat();
    }

}
