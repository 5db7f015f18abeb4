package dev.rlhf4j.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.model.GradientCheckpointing;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.ops.Scalars;
import dev.rlhf4j.core.ops.Slices;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Forward and backward of one PPO minibatch (PPO-NOTES, "Losses"):
 *
 * <pre>
 *   loss = pg_loss + vf_coef · vf_loss − entropy_coef · entropy + ptx_coef · ptx_loss
 * </pre>
 *
 * with the clipped policy and value losses of {@link PpoLosses} and, for PPO-ptx (InstructGPT),
 * the policy's next-token loss on the next pretraining texts, taken in order and cycled. The
 * gradients are left in the parameters for the {@link dev.rlhf4j.core.train.OptimizerStep}.
 *
 * <p>The critic-free algorithms have no value term: rloo and reinforce_pp use the same clipped
 * policy loss (a mean over the minibatch's real tokens, as OpenRLHF's token-level policy loss);
 * grpo uses {@link PpoLosses#groupPolicyLoss}, which adds the k3 KL to the reference.
 */
final class MinibatchUpdate {

    private final PpoConfig cfg;
    private final PpoTrainer.Models models;
    private final List<long[]> ptxTexts;
    private int ptxPosition;

    /** @param ptxTexts tokenised PPO-ptx texts (empty without PPO-ptx) */
    MinibatchUpdate(PpoConfig cfg, PpoTrainer.Models models, List<long[]> ptxTexts) {
        this.cfg = cfg;
        this.models = models;
        this.ptxTexts = List.copyOf(ptxTexts);
    }

    /** The next PPO-ptx text, part of the resume state. */
    int ptxPosition() {
        return ptxPosition;
    }

    void seekPtx(int position) {
        this.ptxPosition = position;
    }

    /**
     * @param r the iteration's rollout
     * @param rows the minibatch's rows of it
     * @param oldLogprobs (B, N) log-probs at rollout
     * @param oldValues (B, N) values at rollout
     * @param advantages (B, N) whitened advantages
     * @param returns (B, N) GAE returns (unused without a critic)
     * @param refLogprobs (B, N) reference log-probs (read by grpo's KL term)
     * @param beta the current KL coefficient (grpo's loss)
     * @param parent the iteration's manager; the minibatch's arrays and graph live in a scope of their own
     */
    IterationStats.Minibatch backward(Rollout r, long[] rows, NDArray oldLogprobs, NDArray oldValues, NDArray advantages,
            NDArray returns, NDArray refLogprobs, double beta, float temperature, NDManager parent) {
        IterationStats.Minibatch s = new IterationStats.Minibatch();
        try (NDManager m = parent.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray idx = m.create(rows);
            Rollout mb = r.rows(idx); // in m, so the minibatch's graph is freed with m
            NDArray logits = mb.responseLogits(models.policy()); // (b, N, V)
            NDArray logProbs = LogProbs.logSoftmax(logits, temperature); // (b, N, V)
            NDArray newLogprobs = LogProbs.gather(logProbs, mb.responses()); // (b, N)
            PpoLosses.PolicyLoss pl;
            if (cfg.algorithm() == Algorithm.GRPO) {
                PpoLosses.GroupPolicyLoss gl = PpoLosses.groupPolicyLoss(newLogprobs, Rollout.take(oldLogprobs, idx),
                        Rollout.take(refLogprobs, idx), Rollout.take(advantages, idx), mb.mask(),
                        cfg.clipRange().floatValue(), (float) beta, cfg.lossType(), cfg.maxNewTokens());
                pl = gl.stats();
                s.kl = gl.kl();
            } else {
                pl = PpoLosses.policyLoss(newLogprobs, Rollout.take(oldLogprobs, idx), Rollout.take(advantages, idx),
                        mb.mask(), cfg.clipRange().floatValue());
            }
            PpoLosses.ValueLoss vl = null;
            if (models.critic() != null) { // PPO only
                NDArray newValues = mb.responseSlice(models.critic().values(mb.ids(), mb.attentionMask())); // (b, N)
                vl = PpoLosses.valueLoss(newValues, Rollout.take(oldValues, idx), Rollout.take(returns, idx), mb.mask(),
                        cfg.clipRangeValue().floatValue());
                s.vfLoss = vl.vfLoss().getFloat();
                s.vfClipfrac = vl.vfClipfrac();
            }
            // from the same log-softmax; without an entropy bonus a statistic, kept out of the graph
            NDArray entropy = PpoLosses.entropyMeanOf(cfg.entropyCoef() > 0 ? logProbs : logProbs.stopGradient(),
                    mb.mask());
            // coefficients as arrays of this scope: the backward reads them (see Scalars)
            NDArray loss = vl == null ? pl.pgLoss()
                    : pl.pgLoss().add(vl.vfLoss().mul(Scalars.of(pl.pgLoss(), cfg.vfCoef().floatValue())));
            if (cfg.entropyCoef() > 0) {
                loss = loss.sub(entropy.mul(Scalars.of(entropy, cfg.entropyCoef().floatValue())));
            }
            if (cfg.ptxCoef() > 0) {
                NDArray ptx = ptxLoss(rows.length, m);
                s.ptxLoss = ptx.getFloat();
                loss = loss.add(ptx.mul(Scalars.of(ptx, cfg.ptxCoef().floatValue())));
            }
            gc.backward(loss);
            GradientCheckpointing.backward(); // the policy's checkpointed blocks, if any, recomputed
            s.loss = loss.getFloat();
            s.pgLoss = pl.pgLoss().getFloat();
            s.entropy = entropy.getFloat();
            s.approxKl = pl.approxKl();
            s.clipfrac = pl.clipfrac();
            s.ratioMean = pl.ratioMean();
            s.ratioVar = pl.ratioVar();
        }
        return s;
    }

    /** The policy's next-token loss on the next {@code n} pretraining texts, right-padded, mean over real predicted tokens. */
    private NDArray ptxLoss(int n, NDManager m) {
        int width = 0;
        List<long[]> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] t = ptxTexts.get(ptxPosition++ % ptxTexts.size());
            t = Arrays.copyOf(t, Math.min(t.length, models.policy().config().maxPositions()));
            batch.add(t);
            width = Math.max(width, t.length);
        }
        long[][] ids = new long[n][width];
        float[][] mask = new float[n][width];
        for (int i = 0; i < n; i++) {
            Arrays.fill(ids[i], models.tokenizer().padId());
            System.arraycopy(batch.get(i), 0, ids[i], 0, batch.get(i).length);
            Arrays.fill(mask[i], 0, batch.get(i).length, 1f);
        }
        NDArray idArr = m.create(ids);
        NDArray maskArr = m.create(mask);
        NDArray logits = models.policy().forward(idArr, maskArr, null, null, false).logits(); // (n, T, V)
        // one-axis slice: DJL's indexing slices every axis, each a zero-filled copy in the backward (Slices)
        NDArray logp = LogProbs.logProbsOf(Slices.along(logits, 1, 0, width - 1), idArr.get(":, 1:")); // (n, T-1)
        return Masked.maskedMean(logp, maskArr.get(":, 1:")).neg();
    }
}
