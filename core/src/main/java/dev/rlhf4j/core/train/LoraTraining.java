package dev.rlhf4j.core.train;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.LoraAdapters;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a stage with a {@code lora:} block does to its model: start from a full base model (an
 * adapter directory given as input is merged once into {@code runDir/lora-base}, so the new
 * adapter has a base on disk), freeze every base weight, and add new adapters (or the adapters of
 * the checkpoint being resumed). The trainable parameters are then exactly the adapters:
 * {@link NamedParameter#trainable} of the model gives them and nothing else.
 *
 * <pre>{@code
 * Path base = LoraTraining.baseDirectory(config.model(), runDir);
 * CausalLM policy = LoraTraining.load(base, config.lora(), seed, resumeDir, manager, true);
 * AdamW opt = AdamW.of(NamedParameter.trainable(policy.getParameters()), training); // adapters only
 * try (var ref = policy.lora().disabled()) { ... reference log-probs: the base model ... }
 * PeftAdapter.save(output, policy, PeftAdapter.CAUSAL_LM, base, Map.of(), Map.of(), tokenizer);
 * }</pre>
 */
public final class LoraTraining {
    /** Where a merged copy of an adapter input is written inside the stage's run directory. */
    public static final String MERGED_BASE = "lora-base";

    private LoraTraining() {}

    /**
     * The full model the new adapters sit on: {@code modelDir} itself, or, when it is an adapter
     * directory (a LoRA SFT output), its base with that adapter merged in, written once to {@code
     * runDir/lora-base}.
     */
    public static Path baseDirectory(Path modelDir, Path runDir) {
        if (!PeftAdapter.isAdapter(modelDir)) {
            return modelDir;
        }
        if (PeftAdapter.SEQ_CLS.equals(PeftAdapter.read(modelDir).taskType())) {
            throw new IllegalArgumentException(modelDir + " is a sequence-classification adapter; merge it into a"
                    + " full model first (rlhf4j model merge --adapter " + modelDir + " --output DIR)");
        }
        Path merged = runDir.resolve(MERGED_BASE);
        if (Files.isRegularFile(merged.resolve("config.json"))) {
            return merged;
        }
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tokenizer = Tokenizer.load(modelDir);
                CausalLM model = ModelDirectory.loadCausalLM(modelDir, m, true)) {
            ModelDirectory.saveCausalLM(merged, model, tokenizer);
        }
        return merged;
    }

    /**
     * The base model of {@code baseDir} frozen, with adapters: those stored in {@code resumeDir}
     * (a checkpoint's adapter directory), else new ones ({@link LoraAdapters#initial}{@code (seed)}).
     *
     * @param withLmHead false for a trunk (reward model, critic)
     */
    public static CausalLM load(Path baseDir, LoraConfig lora, long seed, Path resumeDir, NDManager manager,
            boolean withLmHead) {
        CausalLM model = ModelDirectory.loadCausalLM(baseDir, manager, withLmHead);
        try {
            freezeAndAdd(model, lora, seed, resumeDir).setBaseDirectory(baseDir);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Saves a causal LM a stage trained: its adapters as a PEFT directory on their base when it has
     * adapters, else the full model.
     */
    public static void saveCausalLM(Path dir, CausalLM model, Tokenizer tokenizer) {
        if (model.lora() != null) {
            PeftAdapter.save(dir, model, PeftAdapter.CAUSAL_LM, null, Map.of(), Map.of(), tokenizer);
        } else {
            ModelDirectory.saveCausalLM(dir, model, tokenizer);
        }
    }

    /** Freezes {@code model}'s weights and adds adapters (from {@code resumeDir}, or new). */
    public static LoraAdapters freezeAndAdd(CausalLM model, LoraConfig lora, long seed, Path resumeDir) {
        model.setTrainable(false);
        return resumeDir != null ? PeftAdapter.attach(model, resumeDir, lora)
                : model.addLora(lora, LoraAdapters.initial(seed));
    }
}
