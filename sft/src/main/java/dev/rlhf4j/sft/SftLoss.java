package dev.rlhf4j.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.ops.LogProbs;

/**
 * The SFT objective: token-level cross-entropy on the completion tokens only, as transformers'
 * causal-LM loss with labels {@code -100} on prompt and padding ({@code ForCausalLMLoss}):
 *
 * <pre>
 *   nll[b, t] = -log softmax(logits[b, t])[targets[b, t]]          (B, T)
 *   loss      = Σ weights · nll / Σ weights                          mean over the trained tokens
 * </pre>
 *
 * A token with weight 0 contributes exactly nothing: neither to the loss nor to any gradient.
 * Dimensions: B rows, T positions, V vocabulary.
 */
public final class SftLoss {

    private SftLoss() {}

    /**
     * Per-position negative log-likelihoods times the weights.
     *
     * @param logits (B, T, V), or (N, V) at N positions
     * @param targets (B, T) next-token ids, or (N)
     * @param weights (B, T) float32, 1 for trained tokens and 0 elsewhere, or (N)
     * @return (B, T) {@code weights · nll}, zero where the weight is zero, or (N)
     */
    public static NDArray weightedNll(NDArray logits, NDArray targets, NDArray weights) {
        NDArray logProbs = LogProbs.logProbsOf(logits, targets); // (B, T)
        return logProbs.mul(weights).neg(); // (B, T)
    }

    /** The mean loss over trained tokens (a float32 scalar); see the class comment. */
    public static NDArray meanLoss(NDArray logits, NDArray targets, NDArray weights) {
        return weightedNll(logits, targets, weights).sum().div(weights.sum());
    }

    /**
     * The model's mean loss on a batch already on the engine. The LM head runs only where a token
     * is trained: the prompt, padding and (packed) other sequences' untrained positions never
     * reach the (·, V) logits, forward or backward.
     */
    public static NDArray meanLoss(CausalLM model, SftBatch.Tensors batch, boolean training) {
        Trained t = trained(model, batch, training);
        return meanLoss(t.logits, t.targets, t.weights);
    }

    /** The logits, targets and weights of the trained positions, (N, V), (N) and (N). */
    private record Trained(NDArray logits, NDArray targets, NDArray weights) {}

    private static Trained trained(CausalLM model, SftBatch.Tensors batch, boolean training) {
        NDArray hidden = model.hidden(batch.ids(), batch.attentionMask(), batch.positions(), batch.segmentIds(),
                null, training); // (B, T, C)
        NDIndex trained = new NDIndex().addBooleanIndex(batch.weights().gt(0f)); // N positions
        return new Trained(model.logits(hidden.get(trained)), batch.targets().get(trained),
                batch.weights().get(trained));
    }

    /**
     * Evaluation sums of one batch: total NLL, trained tokens, and trained tokens whose target is
     * the arg-max of the logits (token accuracy). Dropout off; call outside a gradient collector.
     */
    public static Sums evaluate(CausalLM model, SftBatch.Tensors batch) {
        Trained t = trained(model, batch, false);
        NDArray nll = weightedNll(t.logits, t.targets, t.weights); // (N)
        NDArray hit = t.logits.argMax(-1).eq(t.targets.toType(DataType.INT64, false))
                .toType(DataType.FLOAT32, false).mul(t.weights); // (N)
        return new Sums(nll.sum().toType(DataType.FLOAT64, false).getDouble(),
                (long) batch.weights().sum().getFloat(), (long) hit.sum().getFloat());
    }

    /**
     * Summed evaluation statistics, added over batches.
     *
     * @param nll total negative log-likelihood of the trained tokens
     * @param tokens trained tokens
     * @param correct trained tokens predicted by arg-max
     */
    public record Sums(double nll, long tokens, long correct) {

        public static final Sums ZERO = new Sums(0, 0, 0);

        public Sums plus(Sums other) {
            return new Sums(nll + other.nll, tokens + other.tokens, correct + other.correct);
        }

        /** Mean NLL per trained token (NaN with none). */
        public double loss() {
            return tokens == 0 ? Double.NaN : nll / tokens;
        }

        /** exp(loss). */
        public double perplexity() {
            return Math.exp(loss());
        }

        /** Fraction of trained tokens the model's arg-max predicts. */
        public double tokenAccuracy() {
            return tokens == 0 ? Double.NaN : (double) correct / tokens;
        }
    }
}
