package dev.rlhf4j.rm.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.util.Checks;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code reward_model:} section of a run config. Keys, defaults and sources:
 *
 * <pre>{@code
 * reward_model:
 *   init: runs/demo/sft/model        # required: SFT / causal-LM directory (new head), or a reward model directory
 *   data: [prefs/train.jsonl]        # required: canonical preference records (or RewardBench rows), JSONL
 *   eval_data: [prefs/test.jsonl]    # default none: held-out pairs for the evaluation pass and the final report
 *   output: runs/demo/rm/model       # default <run dir>/model
 *   max_length: 512                  # default the model's max_position_embeddings; longer inputs lose prompt tokens from the front
 *   seed: 42                         # head initialisation, data order, dropout
 *   use_margin: true                 # subtract the record's margin inside the sigmoid (Llama 2); false: plain Bradley-Terry
 *   center_coef: 0.0                 # c of c·mean((r_c + r_r)^2) (Eisenstein et al. 2023; TRL center_rewards_coefficient)
 *   disable_dropout: true            # TRL RewardConfig's default
 *   normalization_data: []           # default the training data: responses whose score mean/std are stored
 *   training: {...}                  # the shared training keys (TrainingConfig); batch_size counts prompts (groups)
 * }</pre>
 *
 * @param init model directory to start from: a causal LM (an SFT output; the head is initialised
 *     N(0, 1/sqrt(d+1))) or a sequence-classification directory (training continues from it)
 * @param data training files (canonical preference records or RewardBench rows, JSONL, .gz allowed)
 * @param evalData held-out files evaluated every {@code training.eval_every} steps and at the end
 * @param output where the trained model directory goes; default {@code <run dir>/model}
 * @param maxLength longest input in tokens; default the model's {@code max_position_embeddings}
 * @param seed seeds the head initialisation, the data order and dropout (default 42)
 * @param useMargin use the records' {@code margin} in the loss (default true; records without a
 *     margin count 0)
 * @param centerCoef the centring coefficient, >= 0 (default 0: off)
 * @param disableDropout train with dropout off (default true, as TRL's RewardConfig)
 * @param normalizationData files whose responses (chosen and rejected) give the stored score mean
 *     and std; default (empty) the training data
 * @param training the shared training-loop keys; {@code batch_size} counts groups (prompts with
 *     all their ranked pairs; a pair without {@code group_id} is a group of one)
 * @param lora train LoRA adapters on a frozen trunk, the score head in full (PEFT's {@code
 *     modules_to_save=["score"]}); the output is then a PEFT SEQ_CLS adapter directory on {@code
 *     init} (default none)
 */
public record RewardModelConfig(
        @JsonProperty("init") Path init,
        @JsonProperty("data") List<Path> data,
        @JsonProperty("eval_data") List<Path> evalData,
        @JsonProperty("output") Path output,
        @JsonProperty("max_length") Integer maxLength,
        @JsonProperty("seed") Long seed,
        @JsonProperty("use_margin") Boolean useMargin,
        @JsonProperty("center_coef") Double centerCoef,
        @JsonProperty("disable_dropout") Boolean disableDropout,
        @JsonProperty("normalization_data") List<Path> normalizationData,
        @JsonProperty("training") TrainingConfig training,
        @JsonProperty("lora") LoraConfig lora) {

    public RewardModelConfig {
        Checks.check(init != null, "init must be set to the model directory to start from"
                + " (an SFT output or any causal LM, or a reward model), but is missing");
        Checks.check(data != null && !data.isEmpty(), "data must list at least one preference file (JSONL), but is: %s",
                data == null ? "missing" : "[]");
        data = List.copyOf(data);
        evalData = evalData == null ? List.of() : List.copyOf(evalData);
        if (maxLength != null) {
            Checks.between("max_length", (long) maxLength, 2, Integer.MAX_VALUE);
        }
        seed = seed == null ? 42L : seed;
        useMargin = useMargin == null || useMargin;
        centerCoef = centerCoef == null ? 0.0 : Checks.nonNegative("center_coef", centerCoef);
        disableDropout = disableDropout == null || disableDropout;
        normalizationData = normalizationData == null ? List.of() : List.copyOf(normalizationData);
        training = training == null ? TrainingConfig.defaults() : training;
    }

    /** Full fine-tuning (no {@code lora}). */
    public RewardModelConfig(Path init, List<Path> data, List<Path> evalData, Path output, Integer maxLength, Long seed,
            Boolean useMargin, Double centerCoef, Boolean disableDropout, List<Path> normalizationData,
            TrainingConfig training) {
        this(init, data, evalData, output, maxLength, seed, useMargin, centerCoef, disableDropout, normalizationData,
                training, null);
    }

    /** A config with the required keys and every default (tests, the demo). */
    public static RewardModelConfig of(Path init, List<Path> data) {
        return new RewardModelConfig(init, data, null, null, null, null, null, null, null, null, null, null);
    }

    /** This config with a {@code lora} block (null: full fine-tuning). */
    public RewardModelConfig withLora(LoraConfig newLora) {
        return new RewardModelConfig(init, data, evalData, output, maxLength, seed, useMargin, centerCoef,
                disableDropout, normalizationData, training, newLora);
    }

    /** This config with other training keys. */
    public RewardModelConfig withTraining(TrainingConfig newTraining) {
        return new RewardModelConfig(init, data, evalData, output, maxLength, seed, useMargin, centerCoef,
                disableDropout, normalizationData, newTraining, lora);
    }

    /** This config with held-out data. */
    public RewardModelConfig withEvalData(List<Path> newEvalData) {
        return new RewardModelConfig(init, data, newEvalData, output, maxLength, seed, useMargin, centerCoef,
                disableDropout, normalizationData, training, lora);
    }

    /** The output directory for a run in {@code runDir}. */
    public Path outputIn(Path runDir) {
        return output != null ? output : runDir.resolve("model");
    }

    /** The files whose responses give the stored normalisation. */
    public List<Path> normalizationFiles() {
        return normalizationData.isEmpty() ? data : normalizationData;
    }
}
