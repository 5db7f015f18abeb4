package dev.rlhf4j.ppo;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The online RL algorithm of the {@code ppo:} stage ({@code ppo.algorithm}). All four share the
 * rollouts, the reward-model scoring, the score processing and the KL estimators; they differ in
 * how advantages are formed ({@link Advantages}) and in where the KL to the reference enters.
 */
public enum Algorithm {

    /** PPO with a critic and GAE (PPO-NOTES); KL as a per-token reward penalty. The default. */
    PPO,

    /**
     * REINFORCE leave-one-out (Ahmadian et al., 2024; TRL's RLOOTrainer): k samples per prompt,
     * sequence reward {@code score − β·Σ_t kl_t}, advantage = reward − mean of the other k − 1.
     */
    RLOO,

    /**
     * Group relative policy optimisation (Shao et al., 2024; TRL's GRPOTrainer): advantage = the
     * score standardised within its group of k, KL to the reference as k3 in the loss.
     */
    GRPO,

    /**
     * REINFORCE++ (Hu, 2025; OpenRLHF's {@code advantage_estimator: reinforce}): per-token reward
     * {@code −β·kl_t} plus the score on the last token, discounted returns, normalised over the
     * whole batch.
     */
    REINFORCE_PP;

    /** Whether the algorithm trains without a critic (every one but PPO). */
    public boolean criticFree() {
        return this != PPO;
    }

    /** The config name: {@code ppo}, {@code rloo}, {@code grpo}, {@code reinforce_pp}. */
    @JsonValue
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
