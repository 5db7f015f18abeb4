package dev.rlhf4j.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.rm.train.PairwiseLoss;

/**
 * One micro-batch's loss and metric sums: the policy's forward, the reference's log-probs (given),
 * {@link DpoLoss}. The trainer back-propagates {@link Result#loss}; the parity tests compare it and
 * the sums with TRL's.
 */
final class BatchLoss {

    private BatchLoss() {}

    /** The loss (a float32 scalar, mean over the batch's votes) and the batch's metric sums. */
    record Result(NDArray loss, PairSums sums) {}

    /**
     * The reference's summed log-probs of the responses, {chosen, rejected} (P) each; call outside
     * any gradient collector (no gradient, and the model frees its temporaries as it goes).
     */
    static NDArray[] reference(CausalLM reference, DpoBatch.Tensors t) {
        SequenceLogProbs s = SequenceLogProbs.of(reference, t, false, false);
        return new NDArray[] {s.chosen(), s.rejected()};
    }

    /**
     * @param refChosen (P) the reference's log-probs, or null for simpo and orpo
     * @param refRejected (P), or null
     * @param dropout dropout on in the policy's forward
     */
    static Result compute(CausalLM policy, DpoLoss loss, DpoBatch batch, DpoBatch.Tensors t, NDArray refChosen,
            NDArray refRejected, boolean dropout) {
        SequenceLogProbs s = SequenceLogProbs.of(policy, t, dropout, loss.type() == DpoConfig.LossType.ORPO);
        NDManager m = t.ids().getManager();
        int p = batch.pairs();
        float[] lengths = batch.completionLength();
        float[] counts = new float[2 * p];
        float[] realCounts = new float[2 * p];
        for (int b = 0; b < 2 * p; b++) {
            for (int k = 0; k < batch.completion()[b].length; k++) {
                counts[b] += batch.completion()[b][k];
                realCounts[b] += batch.real()[b][k];
            }
        }
        NDArray length = m.create(lengths);
        NDArray count = m.create(counts);
        NDArray real = m.create(realCounts);
        NDIndex first = new NDIndex("0:{}", p);
        NDIndex second = new NDIndex("{}:", p);
        NDArray[] terms = loss.terms(s.chosen(), s.rejected(), refChosen, refRejected, length.get(first),
                length.get(second), count.get(first), count.get(second));
        NDArray value = DpoLoss.weighted(terms, t.forWeight(), t.againstWeight());
        NDArray nll = null;
        if (loss.type() == DpoConfig.LossType.ORPO) {
            nll = DpoLoss.nll(s.realChosen(), s.realRejected(), real.get(first), real.get(second), t.forWeight(),
                    t.againstWeight());
            value = nll.add(value);
        }

        // metric sums (no gradient needed: read as numbers)
        PairSums sums = new PairSums();
        sums.pairs = p;
        sums.votes = batch.votes();
        NDArray[] rewards = loss.rewards(s.chosen(), s.rejected(), refChosen, refRejected, count.get(first),
                count.get(second));
        NDArray[] logps = loss.logps(s.chosen(), s.rejected(), count.get(first), count.get(second));
        float[] rc = rewards[0].toFloatArray();
        float[] rr = rewards[1].toFloatArray();
        for (int i = 0; i < p; i++) {
            sums.chosenRewards += rc[i];
            sums.rejectedRewards += rr[i];
            sums.correct += rc[i] > rr[i] ? 1 : 0;
        }
        sums.logpsChosen = sum(logps[0]);
        sums.logpsRejected = sum(logps[1]);
        sums.logitsChosen = s.logitsChosen().getFloat();
        sums.logitsRejected = s.logitsRejected().getFloat();
        for (int i = 0; i < p; i++) {
            sums.chosenTokens += counts[i];
            sums.rejectedTokens += counts[p + i];
        }
        if (nll != null) {
            sums.nll = nll.getFloat() * p;
            NDArray logOdds = DpoLoss.logOdds(s.chosen().div(count.get(first)), s.rejected().div(count.get(second)));
            sums.logOddsChosen = sum(logOdds);
            sums.logOddsRatio = -sum(PairwiseLoss.negLogSigmoid(logOdds)); // Σ log σ(ℓ)
        }
        sums.lossTimesVotes = value.getFloat() * batch.votes();
        return new Result(value, sums);
    }

    private static double sum(NDArray x) {
        double total = 0;
        for (float v : x.toFloatArray()) {
            total += v;
        }
        return total;
    }
}
