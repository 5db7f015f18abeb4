package dev.rlhf4j.sft;

import ai.djl.ndarray.NDArray;
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
     * @param logits (B, T, V)
     * @param targets (B, T) next-token ids
     * @param weights (B, T) float32, 1 for trained tokens and 0 elsewhere
     * @return (B, T) {@code weights · nll}, zero where the weight is zero
     */
    public static NDArray weightedNll(NDArray logits, NDArray targets, NDArray weights) {
        NDArray logProbs = LogProbs.logProbsOf(logits, targets); // (B, T)
        return logProbs.mul(weights).neg(); // (B, T)
    }

    /** The mean loss over trained tokens (a float32 scalar); see the class comment. */
    public static NDArray meanLoss(NDArray logits, NDArray targets, NDArray weights) {
        return weightedNll(logits, targets, weights).sum().div(weights.sum());
    }

    /** The model's mean loss on a batch already on the engine. */
    public static NDArray meanLoss(CausalLM model, SftBatch.Tensors batch, boolean training) {
        NDArray logits = model.forward(batch.ids(), batch.attentionMask(), batch.positions(), batch.segmentIds(),
                null, training).logits(); // (B, T, V)
        return meanLoss(logits, batch.targets(), batch.weights());
    }

    /**
     * Evaluation sums of one batch: total NLL, trained tokens, and trained tokens whose target is
     * the arg-max of the logits (token accuracy). Dropout off; call outside a gradient collector.
     */
    public static Sums evaluate(CausalLM model, SftBatch.Tensors batch) {
        NDArray logits = model.forward(batch.ids(), batch.attentionMask(), batch.positions(), batch.segmentIds(),
                null, false).logits(); // (B, T, V)
        NDArray nll = weightedNll(logits, batch.targets(), batch.weights()); // (B, T)
        NDArray hit = logits.argMax(-1).eq(batch.targets().toType(DataType.INT64, false))
                .toType(DataType.FLOAT32, false).mul(batch.weights()); // (B, T)
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
