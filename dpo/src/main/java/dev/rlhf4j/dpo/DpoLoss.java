package dev.rlhf4j.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.rlhf4j.core.ops.Scalars;
import dev.rlhf4j.dpo.DpoConfig.LossType;
import dev.rlhf4j.rm.train.PairwiseLoss;

/**
 * The DPO family's per-pair losses, as TRL computes them. Per pair: {@code c}, {@code r} the
 * policy's summed log-probabilities of the chosen and rejected response, {@code c_ref}, {@code
 * r_ref} the reference's, {@code n_c}, {@code n_r} their scored token counts, {@code ā = logp / n}
 * the length-normalised ones, {@code nls(x) = −log σ(x)} ({@link PairwiseLoss#negLogSigmoid}):
 *
 * <pre>
 *   Δ = (c − c_ref) − (r − r_ref)
 *   sigmoid  (1 − ε)·nls(βΔ) + ε·nls(−βΔ)                      DPOTrainer "sigmoid" (ε > 0: cDPO)
 *   robust   ((1 − ε)·nls(βΔ) − ε·nls(−βΔ)) / (1 − 2ε)          DPOTrainer "robust"
 *   hinge    max(0, 1 − βΔ)                                      DPOTrainer "hinge"
 *   ipo      ((c − c_ref)/L_c − (r − r_ref)/L_r − 1/(2β))²       DPOTrainer "ipo" (L = response tokens)
 *   simpo    (1 − ε)·nls(βz) + ε·nls(−βz),  z = ā_c − ā_r − γ/β  CPOTrainer "simpo", cpo_alpha 0
 *   orpo     β·nls(ℓ),  ℓ = (ā_c − ā_r) − (log(1 − e^ā_c) − log(1 − e^ā_r)),  plus the NLL of the
 *            chosen sequences (every real token, prompt included), ORPOTrainer
 * </pre>
 *
 * <p>A pair is also scored the other way round ({@link #terms}: "against", the sides swapped, which
 * is every loss above with chosen and rejected exchanged), for the votes against the record's
 * choice: a pair with {@code n_c} votes for and {@code n_r} against adds {@code n_c·l(pair) +
 * n_r·l(swapped pair)}, which is exactly training on every vote as a line of its own. For sigmoid
 * that is {@code n_c·nls(βΔ) + n_r·nls(−βΔ)}, the Bradley–Terry likelihood of the votes, which
 * pulls σ(βΔ) towards the observed rate; for IPO it moves the regression target to {@code
 * (2p̂ − 1)/(2β)} with p̂ the share of votes for; for ORPO the swapped lines also add the NLL of the
 * response they preferred, which is what those lines say.
 *
 * <p>Shapes: every array is (P), P pairs; results are attached to the inputs' manager.
 */
public final class DpoLoss {

    private final LossType type;
    private final double beta;
    private final double labelSmoothing;
    private final double simpoGamma;

    public DpoLoss(LossType type, double beta, double labelSmoothing, double simpoGamma) {
        this.type = type;
        this.beta = beta;
        this.labelSmoothing = labelSmoothing;
        this.simpoGamma = simpoGamma;
    }

    public static DpoLoss of(DpoConfig config) {
        return new DpoLoss(config.lossType(), config.beta(), config.labelSmoothing(), config.simpoGamma());
    }

    /** The loss type. */
    public LossType type() {
        return type;
    }

    /**
     * The per-pair losses both ways.
     *
     * @param c (P) policy log-probs of the chosen responses (sums)
     * @param r (P) of the rejected ones
     * @param cRef (P) the reference's, or null for simpo and orpo
     * @param rRef (P) the reference's, or null
     * @param lengthC (P) response tokens of the chosen side (IPO's normaliser)
     * @param lengthR (P) of the rejected side
     * @param countC (P) scored tokens of the chosen side (SimPO's and ORPO's normaliser)
     * @param countR (P) of the rejected side
     * @return {for, against}: the loss of the pair as written, and with its sides swapped, (P) each
     */
    public NDArray[] terms(NDArray c, NDArray r, NDArray cRef, NDArray rRef, NDArray lengthC, NDArray lengthR,
            NDArray countC, NDArray countR) {
        switch (type) {
            case SIGMOID, ROBUST, HINGE -> {
                NDArray x = c.sub(cRef).sub(r.sub(rRef)).mul(Scalars.of(c, (float) beta)); // βΔ
                return new NDArray[] {oneWay(x), oneWay(x.neg())};
            }
            case IPO -> {
                NDArray d = c.sub(cRef).div(lengthC).sub(r.sub(rRef).div(lengthR));
                NDArray target = Scalars.of(c, (float) (1 / (2 * beta)));
                return new NDArray[] {d.sub(target).square(), d.neg().sub(target).square()};
            }
            case SIMPO -> {
                NDArray ac = c.div(countC);
                NDArray ar = r.div(countR);
                NDArray margin = Scalars.of(c, (float) (simpoGamma / beta));
                NDArray b = Scalars.of(c, (float) beta);
                NDArray x = ac.sub(ar).sub(margin).mul(b);
                NDArray xSwapped = ar.sub(ac).sub(margin).mul(b);
                return new NDArray[] {smoothed(x), smoothed(xSwapped)};
            }
            case ORPO -> {
                NDArray logOdds = logOdds(c.div(countC), r.div(countR));
                NDArray b = Scalars.of(c, (float) beta);
                return new NDArray[] {
                    PairwiseLoss.negLogSigmoid(logOdds).mul(b), PairwiseLoss.negLogSigmoid(logOdds.neg()).mul(b)};
            }
            default -> throw new IllegalStateException("unknown loss type " + type);
        }
    }

    /**
     * The batch loss: {@code Σ_i forWeight_i·for_i + againstWeight_i·against_i} (the weights sum to
     * 1 over the batch: {@link DpoBatch}).
     */
    public static NDArray weighted(NDArray[] terms, NDArray forWeight, NDArray againstWeight) {
        return terms[0].mul(forWeight).add(terms[1].mul(againstWeight)).sum();
    }

    /**
     * ORPO's NLL term: the mean per real token over the sequences the batch's examples prefer, each
     * weighted by its votes. With one vote per pair, {@code Σ −logp(chosen tokens) / #chosen
     * tokens}, TRL's cross-entropy over the chosen half.
     *
     * @param realC (P) summed log-probs of every real token of the chosen sequences
     * @param realR (P) of the rejected sequences
     * @param tokensC (P) their scored tokens
     * @param tokensR (P)
     */
    public static NDArray nll(NDArray realC, NDArray realR, NDArray tokensC, NDArray tokensR, NDArray forWeight,
            NDArray againstWeight) {
        NDArray logLikelihood = realC.mul(forWeight).add(realR.mul(againstWeight)).sum();
        NDArray tokens = tokensC.mul(forWeight).add(tokensR.mul(againstWeight)).sum();
        return logLikelihood.neg().div(tokens);
    }

    /**
     * ORPO's log odds ratio {@code (a − b) − (log(1 − e^a) − log(1 − e^b))} of two average
     * log-probs, with {@code log(1 − e^x)} in float64 (TRL's log1mexp keeps its precision near 0).
     */
    static NDArray logOdds(NDArray a, NDArray b) {
        return a.sub(b).sub(log1mexp(a).sub(log1mexp(b)));
    }

    private static NDArray log1mexp(NDArray x) {
        // x < 0 always (a mean log-probability); the cap keeps log finite where it rounds to 0
        NDArray capped = x.minimum(Scalars.of(x, -1e-7f)).toType(DataType.FLOAT64, false);
        NDArray one = capped.getManager().create(1.0);
        return one.sub(capped.exp()).log().toType(DataType.FLOAT32, false);
    }

    private NDArray oneWay(NDArray x) {
        return switch (type) {
            case SIGMOID -> smoothed(x);
            case ROBUST -> {
                float eps = (float) labelSmoothing;
                NDArray clean = PairwiseLoss.negLogSigmoid(x).mul(Scalars.of(x, 1 - eps));
                NDArray flipped = PairwiseLoss.negLogSigmoid(x.neg()).mul(Scalars.of(x, eps));
                yield clean.sub(flipped).div(Scalars.of(x, 1 - 2 * eps));
            }
            case HINGE -> x.neg().add(Scalars.of(x, 1f)).maximum(Scalars.of(x, 0f));
            default -> throw new IllegalStateException(type.key());
        };
    }

    /** {@code (1 − ε)·nls(x) + ε·nls(−x)}: nls(x) when ε is 0. */
    private NDArray smoothed(NDArray x) {
        if (labelSmoothing == 0) {
            return PairwiseLoss.negLogSigmoid(x);
        }
        float eps = (float) labelSmoothing;
        return PairwiseLoss.negLogSigmoid(x).mul(Scalars.of(x, 1 - eps))
                .add(PairwiseLoss.negLogSigmoid(x.neg()).mul(Scalars.of(x, eps)));
    }

    /**
     * The implicit rewards as TRL logs them: {@code β(logp − logp_ref)} for the losses with a
     * reference, {@code β·ā} (the length-normalised log-prob) for simpo and orpo.
     *
     * @return {chosen, rejected}, (P) each
     */
    public NDArray[] rewards(NDArray c, NDArray r, NDArray cRef, NDArray rRef, NDArray countC, NDArray countR) {
        NDArray[] l = logps(c, r, countC, countR);
        NDArray b = Scalars.of(c, (float) beta);
        if (type.usesReference()) {
            return new NDArray[] {l[0].sub(cRef).mul(b), l[1].sub(rRef).mul(b)};
        }
        return new NDArray[] {l[0].mul(b), l[1].mul(b)};
    }

    /** The log-probs TRL logs as {@code logps/*}: sums, or per-token means for simpo and orpo. */
    public NDArray[] logps(NDArray c, NDArray r, NDArray countC, NDArray countR) {
        return type.usesReference() ? new NDArray[] {c, r} : new NDArray[] {c.div(countC), r.div(countR)};
    }
}
