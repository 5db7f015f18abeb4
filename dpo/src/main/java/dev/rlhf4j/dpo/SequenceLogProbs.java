package dev.rlhf4j.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Masked;

/**
 * A model's log-probabilities of the rows of a {@link DpoBatch}, summed per row and split into the
 * chosen half (rows {@code 0..P-1}) and the rejected half, as TRL's concatenated forward does.
 *
 * @param chosen (P) summed log-probs of the chosen responses' tokens
 * @param rejected (P) of the rejected responses' tokens
 * @param realChosen (P) summed log-probs of every real token of the chosen sequences (ORPO's NLL)
 * @param realRejected (P) of the rejected sequences
 * @param logitsChosen () the sum over the chosen responses' positions of the mean logit over the
 *     vocabulary (no gradient; TRL's {@code logits/chosen} divides it by the tokens)
 * @param logitsRejected () the same for the rejected responses
 */
public record SequenceLogProbs(NDArray chosen, NDArray rejected, NDArray realChosen, NDArray realRejected,
        NDArray logitsChosen, NDArray logitsRejected) {

    /**
     * One forward of {@code model} over the batch, in the batch arrays' manager.
     *
     * @param dropout dropout on (training with {@code disable_dropout: false})
     */
    public static SequenceLogProbs of(CausalLM model, DpoBatch.Tensors batch, boolean dropout) {
        NDArray logits = model.forward(batch.ids(), batch.mask(), null, null, dropout).logits(); // (B, T, V)
        NDArray tokenLogps = LogProbs.logProbsOf(logits, batch.targets()); // (B, T)
        NDArray completion = Masked.maskedSum(tokenLogps, batch.completion(), 1); // (B)
        NDArray real = Masked.maskedSum(tokenLogps, batch.real(), 1); // (B)
        NDArray meanLogits = logits.stopGradient().mean(new int[] {2}).mul(batch.completion()); // (B, T)
        long p = batch.ids().getShape().get(0) / 2;
        NDIndex first = new NDIndex("0:{}", p);
        NDIndex second = new NDIndex("{}:", p);
        return new SequenceLogProbs(completion.get(first), completion.get(second), real.get(first), real.get(second),
                meanLogits.get(first).sum(), meanLogits.get(second).sum());
    }
}
