package dev.rlhf4j.ppo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;

/**
 * The {@code ppo:} section of a run config. Every default is PPO-NOTES.md's (the published
 * implementation details: lm-human-preferences, summarize-from-feedback, "N+ implementation
 * details of RLHF with PPO", TRL); each key is validated with a message that names it.
 *
 * <p><b>Critic-free algorithms.</b> With {@code algorithm} {@code rloo}, {@code grpo} or {@code
 * reinforce_pp} no critic is loaded or trained. The keys only PPO reads ({@code critic}, {@code
 * critic_lr}, {@code vf_coef}, {@code clip_range_value}, {@code lam}, {@code whiten_rewards}; and
 * {@code gamma} for rloo and grpo, whose advantage is one number per sequence) are then ignored and
 * resolved to null (false for {@code whiten_rewards}), so the resolved config and the checkpoint
 * show that they took no part: a template with every key set stays usable with {@code --set
 * ppo.algorithm=grpo}. Likewise {@code scale_rewards} and {@code loss_type} are resolved to null
 * for every algorithm but grpo. {@code batch_size} counts rollouts (completions, as TRL's
 * generation batch does): each iteration samples {@code batch_size / num_generations} prompts and
 * generates {@code num_generations} responses for each, so {@code num_generations} must divide
 * {@code batch_size}.
 *
 * <p><b>Models.</b>
 *
 * @param policy SFT model directory the policy starts from (required)
 * @param reference frozen reference policy; default: {@code policy}
 * @param rewardModel reward model directory (a sequence-classification directory; required)
 * @param critic the critic: {@code reward_model} (default: a separate model initialised from the
 *     reward model), {@code policy} (a separate model: the SFT trunk with a fresh head), {@code
 *     shared} (a value head on the policy's own trunk), or a reward-model directory
 * @param prompts JSONL of prompts, {@code "prompt"} text or {@code "messages"} (required)
 * @param output directory for the final policy; default {@code <run>/model}
 * @param seed fixes prompt order, sampling and head initialisation (default 0)
 *     <p><b>Algorithm.</b>
 * @param algorithm {@code ppo} (default), {@code rloo}, {@code grpo} or {@code reinforce_pp}
 *     ({@link Algorithm})
 * @param numGenerations responses sampled per prompt, k (TRL's {@code num_generations}); default 4
 *     for rloo and grpo, which need k ≥ 2 for a group baseline, 1 for ppo and reinforce_pp
 * @param scaleRewards grpo: divide the group-centred score by the std of its {@code group}
 *     (default, GRPO), of the whole {@code batch}, or not at all ({@code none}, Dr. GRPO); TRL's
 *     {@code scale_rewards}
 * @param lossType grpo: how the per-token loss is averaged (TRL's {@code loss_type}): {@code grpo}
 *     (default: per-sequence mean, then the mean over sequences), {@code bnpo} (mean over the
 *     minibatch's tokens), {@code dr_grpo} (sum over tokens divided by rows × {@code
 *     max_new_tokens}; Liu et al., 2025)
 *     <p><b>Rollouts.</b>
 * @param iterations PPO iterations (default 100)
 * @param batchSize rollouts per iteration (default 16): {@code batch_size / num_generations} prompts,
 *     each sampled {@code num_generations} times
 * @param numMiniBatches minibatches per PPO epoch (default 1)
 * @param ppoEpochs passes over each batch (default 4)
 * @param maxPromptLength prompts are cut from the left to this many tokens (default 256)
 * @param maxNewTokens response length limit (default 64)
 * @param temperature sampling temperature, also used when scoring log-probs (default 0.7)
 * @param topK 0 = off (default)
 * @param topP 1 = off (default)
 *     <p><b>Reward and KL.</b>
 * @param klCoef fixed β (default 0.05); grpo: the coefficient of the k3 KL term in the loss
 * @param adaptiveKl Ziegler et al.'s adaptive controller instead of a fixed β (default false)
 * @param initKlCoef adaptive controller's initial β (default 0.2)
 * @param klTarget adaptive controller's target KL in nats per sequence (default 6)
 * @param klHorizon adaptive controller's horizon in samples (default 10000)
 * @param klEstimator k1 (default), k3 or abs: the KL in the reward (ppo, rloo, reinforce_pp) and in
 *     {@code objective/kl}; grpo's loss always uses k3
 * @param rewardClip clip normalised scores to ±this; 0 = off (default)
 * @param missingEos replace (default), subtract or ignore
 * @param missingEosPenalty the replacement score, or the amount subtracted (default −1)
 * @param whitenRewards whiten per-token rewards before GAE (default false)
 *     <p><b>Advantages and losses.</b>
 * @param gamma discount (default 1.0; ppo and reinforce_pp)
 * @param lam GAE λ (default 0.95)
 * @param clipRange policy ratio clip ε (default 0.2)
 * @param clipRangeValue value clip ε_v (default 0.2)
 * @param vfCoef value-loss coefficient (default 0.1)
 * @param entropyCoef entropy bonus coefficient (default 0)
 * @param ptxCoef PPO-ptx: coefficient of the language-model loss on {@code ptx_data} (default 0)
 * @param ptxData JSONL with {@code "text"} for PPO-ptx (required when ptx_coef > 0)
 * @param targetKl stop the PPO epochs of an iteration once approx_kl exceeds this; 0 = off (default)
 *     <p><b>Optimisation.</b>
 * @param lr policy learning rate (default 3e-6; tiny demo models need far more)
 * @param criticLr critic learning rate; default 10 × lr
 * @param schedule linear (default), cosine or constant decay over the iterations
 * @param warmupSteps warmup optimizer steps (default 0)
 * @param adamEps Adam ε (default 1e-5)
 * @param weightDecay AdamW decay (default 0)
 * @param maxGradNorm global-norm clipping for each model (default 1.0)
 *     <p><b>Guard rails, logging, checkpoints.</b>
 * @param maxApproxKl stop the run when approx_kl exceeds this ... (default 1.0)
 * @param approxKlPatience ... for this many iterations in a row (default 3)
 * @param maxSkippedSteps stop the run when this many optimizer steps in a row have a NaN or infinite
 *     loss or gradient norm (each is skipped, so the policy would stop learning while the run
 *     carried on as if it succeeded; default 3)
 * @param logEvery iterations between metrics lines (default 1)
 * @param sampleEvery iterations between samples.jsonl entries (default 10)
 * @param numSamples generations written per sampling (default 4)
 * @param saveEvery iterations between checkpoints; 0 = final model only (default 0)
 * @param keepCheckpoints checkpoints kept (default 2)
 * @param lora train LoRA adapters on the policy instead of every weight (default none); the
 *     reference is then the policy with its adapters disabled (no second copy) unless {@code
 *     reference} names another directory, and the output is a PEFT adapter directory
 * @param gradientCheckpointing recompute the policy's decoder blocks in the backward instead of
 *     keeping their activations (default false; as {@code training.gradient_checkpointing})
 */
public record PpoConfig(
        @JsonProperty("policy") String policy,
        @JsonProperty("reference") String reference,
        @JsonProperty("reward_model") String rewardModel,
        @JsonProperty("critic") String critic,
        @JsonProperty("prompts") String prompts,
        @JsonProperty("output") String output,
        @JsonProperty("seed") Long seed,
        @JsonProperty("algorithm") Algorithm algorithm,
        @JsonProperty("num_generations") Integer numGenerations,
        @JsonProperty("scale_rewards") Advantages.ScaleRewards scaleRewards,
        @JsonProperty("loss_type") PpoLosses.LossType lossType,
        @JsonProperty("iterations") Integer iterations,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("num_mini_batches") Integer numMiniBatches,
        @JsonProperty("ppo_epochs") Integer ppoEpochs,
        @JsonProperty("max_prompt_length") Integer maxPromptLength,
        @JsonProperty("max_new_tokens") Integer maxNewTokens,
        @JsonProperty("temperature") Double temperature,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("kl_coef") Double klCoef,
        @JsonProperty("adaptive_kl") Boolean adaptiveKl,
        @JsonProperty("init_kl_coef") Double initKlCoef,
        @JsonProperty("kl_target") Double klTarget,
        @JsonProperty("kl_horizon") Double klHorizon,
        @JsonProperty("kl_estimator") KlEstimator klEstimator,
        @JsonProperty("reward_clip") Double rewardClip,
        @JsonProperty("missing_eos") ScoreProcessing.MissingEos missingEos,
        @JsonProperty("missing_eos_penalty") Double missingEosPenalty,
        @JsonProperty("whiten_rewards") Boolean whitenRewards,
        @JsonProperty("gamma") Double gamma,
        @JsonProperty("lam") Double lam,
        @JsonProperty("clip_range") Double clipRange,
        @JsonProperty("clip_range_value") Double clipRangeValue,
        @JsonProperty("vf_coef") Double vfCoef,
        @JsonProperty("entropy_coef") Double entropyCoef,
        @JsonProperty("ptx_coef") Double ptxCoef,
        @JsonProperty("ptx_data") String ptxData,
        @JsonProperty("target_kl") Double targetKl,
        @JsonProperty("lr") Double lr,
        @JsonProperty("critic_lr") Double criticLr,
        @JsonProperty("schedule") TrainingConfig.Schedule schedule,
        @JsonProperty("warmup_steps") Integer warmupSteps,
        @JsonProperty("adam_eps") Double adamEps,
        @JsonProperty("weight_decay") Double weightDecay,
        @JsonProperty("max_grad_norm") Double maxGradNorm,
        @JsonProperty("max_approx_kl") Double maxApproxKl,
        @JsonProperty("approx_kl_patience") Integer approxKlPatience,
        @JsonProperty("max_skipped_steps") Integer maxSkippedSteps,
        @JsonProperty("log_every") Integer logEvery,
        @JsonProperty("sample_every") Integer sampleEvery,
        @JsonProperty("num_samples") Integer numSamples,
        @JsonProperty("save_every") Integer saveEvery,
        @JsonProperty("keep_checkpoints") Integer keepCheckpoints,
        @JsonProperty("lora") LoraConfig lora,
        @JsonProperty("gradient_checkpointing") Boolean gradientCheckpointing) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public PpoConfig {
        policy = required("policy", policy);
        gradientCheckpointing = gradientCheckpointing != null && gradientCheckpointing;
        reference = reference == null ? policy : reference;
        critic = critic == null ? "reward_model" : critic;
        prompts = required("prompts", prompts);
        seed = seed == null ? 0L : seed;
        algorithm = algorithm == null ? Algorithm.PPO : algorithm;
        boolean grouped = algorithm == Algorithm.RLOO || algorithm == Algorithm.GRPO;
        numGenerations = atLeast("num_generations", numGenerations, grouped ? 4 : 1, 1);
        if (grouped && numGenerations < 2) {
            throw new IllegalArgumentException("num_generations must be >= 2 for algorithm " + algorithm.configName()
                    + " (the baseline of a response is the other responses to its prompt), but is: " + numGenerations);
        }
        iterations = atLeast("iterations", iterations, 100, 1);
        batchSize = atLeast("batch_size", batchSize, 16, 1);
        if (batchSize % numGenerations != 0) {
            throw new IllegalArgumentException("num_generations must divide batch_size (" + batchSize + ", the rollouts"
                    + " per iteration), but is: " + numGenerations);
        }
        boolean grpo = algorithm == Algorithm.GRPO;
        scaleRewards = !grpo ? null : scaleRewards == null ? Advantages.ScaleRewards.GROUP : scaleRewards;
        lossType = !grpo ? null : lossType == null ? PpoLosses.LossType.GRPO : lossType;
        numMiniBatches = atLeast("num_mini_batches", numMiniBatches, 1, 1);
        if (batchSize % numMiniBatches != 0) {
            throw new IllegalArgumentException("num_mini_batches must divide batch_size (" + batchSize + "), but is: "
                    + numMiniBatches);
        }
        ppoEpochs = atLeast("ppo_epochs", ppoEpochs, 4, 1);
        maxPromptLength = atLeast("max_prompt_length", maxPromptLength, 256, 1);
        maxNewTokens = atLeast("max_new_tokens", maxNewTokens, 64, 1);
        temperature = positive("temperature", temperature, 0.7, 100);
        topK = atLeast("top_k", topK, 0, 0);
        topP = positive("top_p", topP, 1.0, 1);
        klCoef = range("kl_coef", klCoef, 0.05, 0, 1e6);
        adaptiveKl = adaptiveKl != null && adaptiveKl;
        initKlCoef = range("init_kl_coef", initKlCoef, 0.2, 0, 1e6);
        klTarget = positive("kl_target", klTarget, 6.0, 1e6);
        klHorizon = range("kl_horizon", klHorizon, 10000.0, 1, 1e12);
        klEstimator = klEstimator == null ? KlEstimator.K1 : klEstimator;
        rewardClip = range("reward_clip", rewardClip, 0.0, 0, 1e9);
        missingEos = missingEos == null ? ScoreProcessing.MissingEos.REPLACE : missingEos;
        missingEosPenalty = range("missing_eos_penalty", missingEosPenalty, -1.0, -1e9, 1e9);
        whitenRewards = whitenRewards != null && whitenRewards;
        gamma = range("gamma", gamma, 1.0, 0, 1);
        lam = range("lam", lam, 0.95, 0, 1);
        clipRange = positive("clip_range", clipRange, 0.2, 1);
        clipRangeValue = positive("clip_range_value", clipRangeValue, 0.2, 1e9);
        vfCoef = range("vf_coef", vfCoef, 0.1, 0, 1e6);
        entropyCoef = range("entropy_coef", entropyCoef, 0.0, 0, 1e6);
        ptxCoef = range("ptx_coef", ptxCoef, 0.0, 0, 1e6);
        if (ptxCoef > 0 && ptxData == null) {
            throw new IllegalArgumentException("ptx_data must be set when ptx_coef > 0, but is: null");
        }
        targetKl = range("target_kl", targetKl, 0.0, 0, 1e9);
        lr = positive("lr", lr, 3e-6, 10);
        criticLr = positive("critic_lr", criticLr, 10 * lr, 10);
        schedule = schedule == null ? TrainingConfig.Schedule.LINEAR : schedule;
        warmupSteps = atLeast("warmup_steps", warmupSteps, 0, 0);
        adamEps = positive("adam_eps", adamEps, 1e-5, 1);
        weightDecay = range("weight_decay", weightDecay, 0.0, 0, 1e3);
        maxGradNorm = range("max_grad_norm", maxGradNorm, 1.0, 0, 1e9);
        maxApproxKl = positive("max_approx_kl", maxApproxKl, 1.0, 1e9);
        approxKlPatience = atLeast("approx_kl_patience", approxKlPatience, 3, 1);
        maxSkippedSteps = atLeast("max_skipped_steps", maxSkippedSteps, 3, 1);
        logEvery = atLeast("log_every", logEvery, 1, 1);
        sampleEvery = atLeast("sample_every", sampleEvery, 10, 1);
        numSamples = atLeast("num_samples", numSamples, 4, 0);
        saveEvery = atLeast("save_every", saveEvery, 0, 0);
        keepCheckpoints = atLeast("keep_checkpoints", keepCheckpoints, 2, 1);
        if (algorithm.criticFree()) { // read only by PPO's critic and GAE: shown as unused (see the class comment)
            critic = null;
            criticLr = null;
            vfCoef = null;
            clipRangeValue = null;
            lam = null;
            whitenRewards = false;
            if (grouped) {
                gamma = null;
            }
        }
    }

    /**
     * This config with another algorithm and output directory, every other key kept: a second online
     * method run next to PPO on the same prompts, rollout sizes, KL coefficient and learning rate (the
     * demo's comparison). {@code num_generations} takes the new algorithm's default unless given; keys
     * the old algorithm ignored (null) take their defaults.
     *
     * @param numGenerations responses per prompt; null for the algorithm's default
     * @param output the final policy's directory; null for {@code <run>/model}
     */
    public PpoConfig withAlgorithm(Algorithm algorithm, Integer numGenerations, String output) {
        ObjectNode node = JSON.valueToTree(this); // the keys this algorithm ignores are null: the constructor re-defaults them
        node.put("algorithm", algorithm.configName());
        node.put("num_generations", numGenerations);
        node.put("output", output);
        try {
            return JSON.convertValue(node, PpoConfig.class);
        } catch (IllegalArgumentException e) { // Jackson's wrapper around the compact constructor's message, which names the key
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalArgumentException("ppo." + cause.getMessage(), e);
        }
    }

    /** Prompts sampled per iteration: {@code batch_size / num_generations}. */
    public int promptsPerIteration() {
        return batchSize / numGenerations;
    }

    /** Rollouts per minibatch. */
    public int miniBatchSize() {
        return batchSize / numMiniBatches;
    }

    /** Optimizer steps over the whole run (for the LR schedule). */
    public long totalOptimizerSteps() {
        return (long) iterations * ppoEpochs * numMiniBatches;
    }

    /** The KL estimator (kept for callers of the former string key). */
    public KlEstimator estimator() {
        return klEstimator;
    }

    public KlController klController() {
        return adaptiveKl ? KlController.adaptive(initKlCoef, klTarget, klHorizon) : KlController.fixed(klCoef);
    }

    /** Score processing with the reward model's stored normalisation. */
    public ScoreProcessing scoreProcessing(float mean, float std) {
        ScoreProcessing p = ScoreProcessing.of(mean, std)
                .withMissingEos(missingEos, missingEosPenalty.floatValue());
        return rewardClip > 0 ? p.withRewardClip(rewardClip.floatValue()) : p;
    }

    private static String required(String key, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(key + " must be set, but is: " + v);
        }
        return v;
    }

    private static Integer atLeast(String key, Integer v, int fallback, int min) {
        if (v == null) {
            return fallback;
        }
        if (v < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", but is: " + v);
        }
        return v;
    }

    private static Double range(String key, Double v, double fallback, double min, double max) {
        if (v == null) {
            return fallback;
        }
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(key + " must be between " + fmt(min) + " and " + fmt(max) + ", but is: "
                    + v);
        }
        return v;
    }

    /** {@code 0 < v <= max}. */
    private static Double positive(String key, Double v, double fallback, double max) {
        if (v == null) {
            return fallback;
        }
        if (!(v > 0 && v <= max)) {
            throw new IllegalArgumentException(key + " must be > 0 and <= " + fmt(max) + ", but is: " + v);
        }
        return v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e7 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
