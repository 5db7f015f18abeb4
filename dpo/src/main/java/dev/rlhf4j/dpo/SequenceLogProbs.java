package dev.rlhf4j.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.ops.Slices;

/**
 * A model's log-probabilities of the rows of a {@link DpoBatch}, summed per row and split into the
 * chosen half (rows {@code 0..P-1}) and the rejected half, as TRL's concatenated forward does.
 *
 * @param chosen (P) summed log-probs of the chosen responses' tokens
 * @param rejected (P) of the rejected responses' tokens
 * @param realChosen (P) summed log-probs of every real token of the chosen sequences (ORPO's NLL;
 *     computed whole only when asked, see {@link #of})
 * @param realRejected (P) of the rejected sequences
 * @param logitsChosen () the sum over the chosen responses' positions of the mean logit over the
 *     vocabulary (no gradient; TRL's {@code logits/chosen} divides it by the tokens)
 * @param logitsRejected () the same for the rejected responses
 */
public record SequenceLogProbs(NDArray chosen, NDArray rejected, NDArray realChosen, NDArray realRejected,
        NDArray logitsChosen, NDArray logitsRejected) {

    /**
     * One forward of {@code model} over the batch, in the batch arrays' manager. The LM head runs
     * from the batch's first response position on ({@link DpoBatch.Tensors#firstCompletion}), since
     * nothing before it is read, unless {@code wholeSequence} (ORPO's NLL reads every real token).
     *
     * @param dropout dropout on (training with {@code disable_dropout: false})
     * @param wholeSequence logits at every position: {@link #realChosen}/{@link #realRejected} are
     *     then the sums over every real token; otherwise over the real tokens from the first
     *     response position on, which only ORPO reads
     */
    public static SequenceLogProbs of(CausalLM model, DpoBatch.Tensors batch, boolean dropout, boolean wholeSequence) {
        long width = batch.ids().getShape().get(1);
        int from = wholeSequence ? 0 : Math.min(batch.firstCompletion(), (int) width - 1);
        NDArray hidden = model.hidden(batch.ids(), batch.mask(), null, null, dropout); // (B, T, C)
        NDArray logits = model.logits(from == 0 ? hidden : Slices.along(hidden, 1, from, width)); // (B, T', V)
        NDArray targets = along(batch.targets(), from, width);
        NDArray completionMask = along(batch.completion(), from, width);
        NDArray tokenLogps = LogProbs.logProbsOf(logits, targets); // (B, T')
        NDArray completion = Masked.maskedSum(tokenLogps, completionMask, 1); // (B)
        NDArray real = Masked.maskedSum(tokenLogps, along(batch.real(), from, width), 1); // (B)
        NDArray meanLogits = logits.stopGradient().mean(new int[] {2}).mul(completionMask); // (B, T')
        long p = batch.ids().getShape().get(0) / 2;
        NDIndex first = new NDIndex("0:{}", p);
        NDIndex second = new NDIndex("{}:", p);
        return new SequenceLogProbs(completion.get(first), completion.get(second), real.get(first), real.get(second),
                meanLogits.get(first).sum(), meanLogits.get(second).sum());
    }

    private static NDArray along(NDArray x, int from, long width) {
        return from == 0 ? x : Slices.along(x, 1, from, width);
    }
}
