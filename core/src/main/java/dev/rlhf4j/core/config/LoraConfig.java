package dev.rlhf4j.core.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rlhf4j.core.util.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The optional {@code lora:} block of the sft, reward_model and ppo sections: train low-rank
 * adapters (Hu et al., "LoRA", 2021) instead of every weight, exactly as PEFT's {@code LoraConfig}
 * with {@code bias="none"} does, and save them as a PEFT adapter directory.
 *
 * <pre>{@code
 * lora: {r: 8, alpha: 16, dropout: 0.05, target_modules: [q_proj, v_proj]}
 * }</pre>
 *
 * @param r the rank of each adapter (default 8, PEFT's)
 * @param alpha the scale numerator: the update is (alpha / r)·B·A (default 8, PEFT's {@code
 *     lora_alpha})
 * @param dropout dropout on the adapter's input only (default 0, PEFT's {@code lora_dropout})
 * @param targetModules Hugging Face module names the adapters wrap, matched as PEFT matches them
 *     (a full dotted name, or its last part): {@code q_proj, k_proj, v_proj, o_proj, gate_proj,
 *     up_proj, down_proj} for llama/qwen2/mistral, {@code c_attn, c_proj, c_fc} for gpt2; or
 *     {@code all-linear} (every projection of the decoder, not the LM head). Default: PEFT's
 *     default for the family ({@code q_proj, v_proj}; gpt2: {@code c_attn})
 * @param bias which biases train: only {@code none} (PEFT's default) is supported
 * @param useRslora scale by alpha / √r instead of alpha / r (Kalajdzievski 2023; default false)
 */
public record LoraConfig(
        @JsonProperty("r") Integer r,
        @JsonProperty("alpha") Double alpha,
        @JsonProperty("dropout") Double dropout,
        @JsonProperty("target_modules") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                List<String> targetModules,
        @JsonProperty("bias") String bias,
        @JsonProperty("use_rslora") Boolean useRslora) {

    /** The {@code target_modules} value that selects every linear projection of the decoder. */
    public static final String ALL_LINEAR = "all-linear";

    /** The module names of the two layouts, for validation. */
    public static final Set<String> LLAMA_MODULES =
            Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    public static final Set<String> GPT2_MODULES = Set.of("c_attn", "c_proj", "c_fc");

    public LoraConfig {
        r = r == null ? 8 : r;
        Checks.positive("lora.r", r);
        alpha = alpha == null ? 8.0 : alpha;
        Checks.positive("lora.alpha", alpha);
        dropout = dropout == null ? 0.0 : dropout;
        Checks.inHalfOpenRange("lora.dropout", dropout, 0, 1);
        bias = bias == null ? "none" : bias;
        Checks.check(bias.equals("none"),
                "lora.bias must be none (biases stay frozen, PEFT's default), but is: %s", bias);
        useRslora = useRslora != null && useRslora;
        if (targetModules != null) {
            Checks.check(!targetModules.isEmpty(), "lora.target_modules must name at least one module, or be %s",
                    ALL_LINEAR);
            List<String> checked = new ArrayList<>();
            for (String m : targetModules) {
                Checks.check(m != null && !m.isBlank(), "lora.target_modules must not hold an empty name");
                String last = m.substring(m.lastIndexOf('.') + 1);
                Checks.check(m.equals(ALL_LINEAR) || LLAMA_MODULES.contains(last) || GPT2_MODULES.contains(last),
                        "lora.target_modules: %s is not a linear module of a supported family (llama, qwen2, mistral:"
                                + " %s; gpt2: %s; or %s)", m, String.join(", ", sorted(LLAMA_MODULES)),
                        String.join(", ", sorted(GPT2_MODULES)), ALL_LINEAR);
                checked.add(m);
            }
            Checks.check(!checked.contains(ALL_LINEAR) || checked.size() == 1,
                    "lora.target_modules: %s stands alone, but the list is: %s", ALL_LINEAR, checked);
            targetModules = List.copyOf(checked);
        }
    }

    /** PEFT's defaults with the given rank and alpha, for code and tests. */
    public static LoraConfig of(int r, double alpha, List<String> targetModules) {
        return new LoraConfig(r, alpha, null, targetModules, null, null);
    }

    /** The update's scale: alpha / r, or alpha / √r with {@code use_rslora}. */
    public double scaling() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
