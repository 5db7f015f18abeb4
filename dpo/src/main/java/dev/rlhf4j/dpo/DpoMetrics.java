package dev.rlhf4j.dpo;

import java.util.List;

/**
 * The keys DPO writes to {@code metrics.jsonl} besides the shared {@code step, loss, lr, grad_norm,
 * tokens_per_s}, named as TRL's DPO, CPO and ORPO trainers log them; averages over the pairs since
 * the previous line. The same keys prefixed {@code eval/} hold the held-out pairs' values at
 * evaluation steps (with {@code eval/loss}).
 */
public final class DpoMetrics {

    private DpoMetrics() {}

    /** Mean implicit reward of the chosen responses: β(logp − logp_ref); β·mean token logp for simpo, orpo. */
    public static final String REWARDS_CHOSEN = "rewards/chosen";
    /** The same for the rejected responses. */
    public static final String REWARDS_REJECTED = "rewards/rejected";
    /** Share of pairs whose chosen reward is above the rejected one (ties count as wrong). */
    public static final String REWARDS_ACCURACIES = "rewards/accuracies";
    /** Mean chosen − rejected reward. */
    public static final String REWARDS_MARGINS = "rewards/margins";
    /** Mean policy log-prob of the chosen responses (sum over tokens; mean per token for simpo, orpo). */
    public static final String LOGPS_CHOSEN = "logps/chosen";
    /** The same for the rejected responses. */
    public static final String LOGPS_REJECTED = "logps/rejected";
    /** Mean over the chosen responses' tokens of the mean logit over the vocabulary (DPOTrainer's definition). */
    public static final String LOGITS_CHOSEN = "logits/chosen";
    /** The same for the rejected responses. */
    public static final String LOGITS_REJECTED = "logits/rejected";
    /** ORPO: the NLL term, mean per token of the chosen sequences. */
    public static final String NLL_LOSS = "nll_loss";
    /** ORPO: mean log σ(log odds ratio). */
    public static final String LOG_ODDS_RATIO = "log_odds_ratio";
    /** ORPO: mean log odds ratio of chosen over rejected. */
    public static final String LOG_ODDS_CHOSEN = "log_odds_chosen";
    /** Fractional epoch: pairs consumed / pairs. */
    public static final String EPOCH = "train/epoch";
    /** Training pairs per second. */
    public static final String PAIRS_PER_S = "train/pairs_per_s";
    /** Prefix of the held-out values; {@code eval/loss} is the held-out loss. */
    public static final String EVAL_PREFIX = "eval/";

    /** Every loss type's keys. */
    public static final List<String> SHARED = List.of(REWARDS_CHOSEN, REWARDS_REJECTED, REWARDS_ACCURACIES,
            REWARDS_MARGINS, LOGPS_CHOSEN, LOGPS_REJECTED, LOGITS_CHOSEN, LOGITS_REJECTED);
    /** ORPO's further keys. */
    public static final List<String> ORPO = List.of(NLL_LOSS, LOG_ODDS_RATIO, LOG_ODDS_CHOSEN);
    /** All keys. */
    public static final List<String> ALL = List.of(REWARDS_CHOSEN, REWARDS_REJECTED, REWARDS_ACCURACIES,
            REWARDS_MARGINS, LOGPS_CHOSEN, LOGPS_REJECTED, LOGITS_CHOSEN, LOGITS_REJECTED, NLL_LOSS, LOG_ODDS_RATIO,
            LOG_ODDS_CHOSEN, EPOCH, PAIRS_PER_S);
}
