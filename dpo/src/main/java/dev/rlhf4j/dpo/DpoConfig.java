package dev.rlhf4j.dpo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.util.Checks;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The {@code dpo:} section of a run config: offline preference optimisation of a policy on the
 * preference records the reward model reads. Keys, defaults and sources:
 *
 * <pre>{@code
 * dpo:
 *   model: runs/demo/sft/model          # required: the policy to start from (the SFT output)
 *   reference: runs/demo/sft/model      # default model: the frozen reference policy (not loaded for simpo, orpo)
 *   data: [prefs/train.jsonl]           # required: canonical preference records or TRL triples, JSONL
 *   eval_data: [prefs/test.jsonl]       # default none: held-out pairs, evaluated every training.eval_every steps and at the end
 *   output: runs/demo/dpo/model         # default <run dir>/model
 *   loss_type: sigmoid                  # sigmoid | ipo | hinge | robust | simpo | orpo
 *   beta: 0.1                           # TRL's default for every loss (ORPO's lambda, IPO's tau)
 *   label_smoothing: 0.0                # sigmoid (cDPO), robust and simpo: the assumed label-flip rate, in [0, 0.5)
 *   simpo_gamma: 0.5                    # SimPO's target reward margin (TRL CPOConfig)
 *   precompute_ref_log_probs: false     # score the reference once before training and free it
 *   max_length: 512                     # default the model's max_position_embeddings; longer sequences keep their start
 *   use_votes: true                     # a record's votes are its examples (meta.votes); false: one example per record
 *   disable_dropout: true               # TRL's default
 *   seed: 42                            # data order, dropout
 *   training: {...}                     # the shared training keys; batch_size counts pairs
 * }</pre>
 *
 * @param model the policy's starting model directory (the SFT output), with its tokenizer
 * @param reference the frozen reference model; default {@code model} (DPO's π_ref is the SFT
 *     policy). It must share the policy's tokenizer. Never loaded for {@code simpo} and {@code orpo},
 *     which have no reference
 * @param data training files: canonical preference records (DESIGN.md), TRL text triples or
 *     RewardBench rows, JSONL (.gz allowed), read exactly as the reward model reads them
 * @param evalData held-out files (default none)
 * @param output where the trained policy goes; default {@code <run dir>/model}
 * @param lossType the objective ({@link LossType}; default sigmoid, TRL's)
 * @param beta β (default 0.1, TRL's DPOConfig, CPOConfig and ORPOConfig): DPO's KL strength, IPO's
 *     τ, SimPO's reward scale, ORPO's λ
 * @param labelSmoothing ε (default 0): for sigmoid the conservative DPO (cDPO) target, for robust
 *     the label-flip rate of Chowdhury et al. 2024, for simpo CPOTrainer's smoothing; in [0, 0.5),
 *     and 0 for the other losses
 * @param simpoGamma SimPO's γ (default 0.5, TRL CPOConfig's {@code simpo_gamma})
 * @param precomputeRefLogProbs compute the reference log-probabilities of every pair once before
 *     training (TRL's {@code precompute_ref_log_probs}); the reference is not kept in memory
 *     while training (default false)
 * @param maxLength longest prompt + response in tokens; longer ones keep their first {@code
 *     max_length} tokens (TRL's {@code keep_start}) and a pair whose prompt alone is that long is
 *     left out; default the model's {@code max_position_embeddings}
 * @param useVotes train on every vote of a record ({@code meta.votes}, labels) as on a line of its
 *     own (default true); false: one example per record, in the record's direction
 * @param disableDropout train with dropout off (default true, TRL's)
 * @param seed seeds the data order and dropout (default 42)
 * @param training the shared loop keys; {@code batch_size} counts pairs
 * @param lora LoRA adapters on the frozen policy (default none: full fine-tuning); the reference is
 *     then the policy with its adapters off, no second copy, unless {@code reference} names another
 *     directory; the output is a PEFT adapter directory
 */
public record DpoConfig(
        @JsonProperty("model") Path model,
        @JsonProperty("reference") Path reference,
        @JsonProperty("data") List<Path> data,
        @JsonProperty("eval_data") List<Path> evalData,
        @JsonProperty("output") Path output,
        @JsonProperty("loss_type") LossType lossType,
        @JsonProperty("beta") Double beta,
        @JsonProperty("label_smoothing") Double labelSmoothing,
        @JsonProperty("simpo_gamma") Double simpoGamma,
        @JsonProperty("precompute_ref_log_probs") Boolean precomputeRefLogProbs,
        @JsonProperty("max_length") Integer maxLength,
        @JsonProperty("use_votes") Boolean useVotes,
        @JsonProperty("disable_dropout") Boolean disableDropout,
        @JsonProperty("seed") Long seed,
        @JsonProperty("training") TrainingConfig training,
        @JsonProperty("lora") LoraConfig lora) {

    /** The objectives, as TRL names them ({@link DpoLoss} has the formulas). */
    public enum LossType {
        /** DPO (Rafailov et al. 2023); with label_smoothing, cDPO. */
        SIGMOID(true),
        /** IPO (Azar et al. 2023), on length-normalised log-ratios as TRL. */
        IPO(true),
        /** SLiC's hinge loss (Zhao et al. 2023). */
        HINGE(true),
        /** Robust DPO (Chowdhury et al. 2024): unbiased under a label-flip rate. */
        ROBUST(true),
        /** SimPO (Meng et al. 2024): reference-free, length-normalised, margin γ (TRL CPOTrainer). */
        SIMPO(false),
        /** ORPO (Hong et al. 2024): NLL of the chosen side plus λ times an odds-ratio term, no reference. */
        ORPO(false);

        private final boolean usesReference;

        LossType(boolean usesReference) {
            this.usesReference = usesReference;
        }

        /** Whether the loss compares with a reference model. */
        public boolean usesReference() {
            return usesReference;
        }

        /** The config value. */
        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DpoConfig {
        Checks.check(model != null, "model must be set to the policy's starting model directory (the SFT output),"
                + " but is missing");
        Checks.check(data != null && !data.isEmpty(), "data must list at least one preference file (JSONL), but is: %s",
                data == null ? "missing" : "[]");
        reference = reference == null ? model : reference;
        data = List.copyOf(data);
        evalData = evalData == null ? List.of() : List.copyOf(evalData);
        lossType = lossType == null ? LossType.SIGMOID : lossType;
        beta = beta == null ? 0.1 : Checks.positive("beta", beta);
        Checks.finite("beta", beta);
        labelSmoothing = labelSmoothing == null ? 0.0 : Checks.inHalfOpenRange("label_smoothing", labelSmoothing, 0, 0.5);
        Checks.check(labelSmoothing == 0 || lossType == LossType.SIGMOID || lossType == LossType.ROBUST
                        || lossType == LossType.SIMPO,
                "label_smoothing applies to loss_type sigmoid, robust and simpo, but loss_type is %s and"
                        + " label_smoothing is: %s", lossType.key(), labelSmoothing);
        simpoGamma = simpoGamma == null ? 0.5 : Checks.finite("simpo_gamma", simpoGamma);
        precomputeRefLogProbs = precomputeRefLogProbs != null && precomputeRefLogProbs;
        if (maxLength != null) {
            Checks.between("max_length", (long) maxLength, 2, Integer.MAX_VALUE);
        }
        useVotes = useVotes == null || useVotes;
        disableDropout = disableDropout == null || disableDropout;
        seed = seed == null ? 42L : seed;
        training = training == null ? TrainingConfig.defaults() : training;
    }

    /** A config with the required keys and every default (tests, the demo). */
    public static DpoConfig of(Path model, List<Path> data) {
        return new DpoConfig(model, null, data, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** This config with another loss and its parameters. */
    public DpoConfig withLoss(LossType newLossType, double newBeta, double newLabelSmoothing, double newSimpoGamma) {
        return new DpoConfig(model, reference, data, evalData, output, newLossType, newBeta, newLabelSmoothing,
                newSimpoGamma, precomputeRefLogProbs, maxLength, useVotes, disableDropout, seed, training, lora);
    }

    /** This config with other training keys. */
    public DpoConfig withTraining(TrainingConfig newTraining) {
        return new DpoConfig(model, reference, data, evalData, output, lossType, beta, labelSmoothing, simpoGamma,
                precomputeRefLogProbs, maxLength, useVotes, disableDropout, seed, newTraining, lora);
    }

    /** This config with the reference scored once before training, or not. */
    public DpoConfig withPrecomputedReference(boolean precompute) {
        return new DpoConfig(model, reference, data, evalData, output, lossType, beta, labelSmoothing, simpoGamma,
                precompute, maxLength, useVotes, disableDropout, seed, training, lora);
    }

    /** This config with LoRA adapters (null: full fine-tuning). */
    public DpoConfig withLora(LoraConfig newLora) {
        return new DpoConfig(model, reference, data, evalData, output, lossType, beta, labelSmoothing, simpoGamma,
                precomputeRefLogProbs, maxLength, useVotes, disableDropout, seed, training, newLora);
    }

    /** This config with held-out data. */
    public DpoConfig withEvalData(List<Path> newEvalData) {
        return new DpoConfig(model, reference, data, newEvalData, output, lossType, beta, labelSmoothing, simpoGamma,
                precomputeRefLogProbs, maxLength, useVotes, disableDropout, seed, training, lora);
    }

    /** The output directory for a run in {@code runDir}. */
    public Path outputIn(Path runDir) {
        return output != null ? output : runDir.resolve("model");
    }
}
