package dev.rlhf4j.sft;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.util.Checks;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code sft:} section of a run config. Keys are snake_case; a key left out takes the default
 * given here.
 *
 * <pre>{@code
 * sft:
 *   model: runs/demo/base           # the model to fine-tune (Hugging Face directory, with tokenizer)
 *   data: data/demos.jsonl          # {"prompt", "completion"} or {"messages"} per line
 *   eval_data: data/demos-eval.jsonl
 *   output: runs/demo/sft/model
 *   max_length: 256
 *   packing: true
 *   training: {batch_size: 8, lr: 3e-4, max_steps: 500, warmup_steps: 20}
 * }</pre>
 *
 * <p>Keys in three groups: files ({@code model, data, eval_data, output}), sequences ({@code
 * max_length, packing, truncation}) and training ({@code seed, training}).
 *
 * @param model the model directory to start from: config.json, safetensors weights and the
 *     tokenizer files (required)
 * @param data training JSONL: {@code {"prompt": text, "completion": text}} or {@code {"messages":
 *     [{"role", "content"}, ...]}} per line, see {@link ExampleEncoder} (required)
 * @param evalData held-out JSONL in the same format, evaluated every {@code training.eval_every}
 *     steps and at the end (optional; default none)
 * @param output where the fine-tuned model directory is written, with the tokenizer files
 *     (required)
 * @param maxLength most tokens per example, and per row when packing (default 1024, TRL's
 *     {@code max_length}); at most the model's {@code max_position_embeddings}
 * @param packing pack several examples into each row of up to {@code max_length} tokens, best fit
 *     decreasing, with attention and positions reset at every example boundary (default false, as
 *     TRL)
 * @param truncation what to do with an example longer than {@code max_length}: {@code drop} it,
 *     or {@code truncate_prompt_left}: cut prompt tokens from the left (BOS kept), dropping the
 *     example only when its completion alone does not fit (default truncate_prompt_left)
 * @param seed fixes the data order and dropout (default 42, as transformers' {@code seed})
 * @param training the shared loop keys ({@link TrainingConfig}; its defaults)
 * @param lora train LoRA adapters instead of every weight ({@link LoraConfig}; default none): the
 *     output is then a PEFT adapter directory on {@code model}
 */
public record SftConfig(
        @JsonProperty("model") Path model,
        @JsonProperty("data") Path data,
        @JsonProperty("eval_data") Path evalData,
        @JsonProperty("output") Path output,
        @JsonProperty("max_length") Integer maxLength,
        @JsonProperty("packing") Boolean packing,
        @JsonProperty("truncation") Truncation truncation,
        @JsonProperty("seed") Long seed,
        @JsonProperty("training") TrainingConfig training,
        @JsonProperty("lora") LoraConfig lora) {

    /** Default {@code max_length}. */
    public static final int DEFAULT_MAX_LENGTH = 1024;
    /** Default {@code seed}. */
    public static final long DEFAULT_SEED = 42;

    /**
     * What happens to an example longer than {@code max_length}. Read and written as {@link #key()};
     * an unknown value is an error listing the accepted ones.
     */
    public enum Truncation {
        /** Leave the example out. */
        DROP,
        /** Cut prompt tokens from the left (keeping BOS); drop only if the completion alone is too long. */
        TRUNCATE_PROMPT_LEFT;

        /** The config value: {@code drop}, {@code truncate_prompt_left}. */
        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SftConfig {
        Checks.check(model != null, "model must be set: the directory of the model to fine-tune");
        Checks.check(data != null, "data must be set: a JSONL file of {prompt, completion} or {messages} lines");
        Checks.check(output != null, "output must be set: the directory to write the fine-tuned model to");
        maxLength = maxLength == null ? DEFAULT_MAX_LENGTH : maxLength;
        Checks.check(maxLength >= 2, "max_length must be >= 2, but is: %s", maxLength);
        packing = packing != null && packing;
        truncation = truncation == null ? Truncation.TRUNCATE_PROMPT_LEFT : truncation;
        seed = seed == null ? DEFAULT_SEED : seed;
        training = training == null ? TrainingConfig.defaults() : training;
        Checks.check(evalData != null || training.evalEvery() == 0,
                "training.eval_every is %s, but eval_data is not set: name a held-out file or set eval_every to 0",
                training.evalEvery());
    }

    /** Full fine-tuning (no {@code lora}). */
    public SftConfig(Path model, Path data, Path evalData, Path output, Integer maxLength, Boolean packing,
            Truncation truncation, Long seed, TrainingConfig training) {
        this(model, data, evalData, output, maxLength, packing, truncation, seed, training, null);
    }

    /** A config with every optional key at its default. */
    public static SftConfig of(Path model, Path data, Path output) {
        return new SftConfig(model, data, null, output, null, null, null, null, null, null);
    }

    /** A copy with another {@code training} block. */
    public SftConfig withTraining(TrainingConfig newTraining) {
        return new SftConfig(model, data, evalData, output, maxLength, packing, truncation, seed, newTraining, lora);
    }

    /** A copy with another {@code lora} block (null: full fine-tuning). */
    public SftConfig withLora(LoraConfig newLora) {
        return new SftConfig(model, data, evalData, output, maxLength, packing, truncation, seed, training, newLora);
    }
}
