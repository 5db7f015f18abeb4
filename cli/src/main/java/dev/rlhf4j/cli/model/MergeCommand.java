package dev.rlhf4j.cli.model;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.rm.DecoderRewardModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j model merge --adapter DIR [--base DIR] --output DIR}: a PEFT LoRA adapter folded
 * into its base ({@code W + scaling·B·A}, transposed for GPT-2's Conv1D), written as a full model
 * directory that transformers loads: a causal LM, or for a {@code SEQ_CLS} adapter a reward model
 * with its score head.
 */
@Command(name = "merge", mixinStandardHelpOptions = true, description = "Merge a LoRA adapter into its base model: a full model directory.")
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "PEFT adapter directory (adapter_config.json, adapter_model.safetensors)")
    Path adapter;

    @Option(names = "--base", paramLabel = "DIR",
            description = "base model directory (default: the adapter's base_model_name_or_path)")
    Path base;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "where the merged model goes")
    Path output;

    @Override
    public Integer call() {
        if (!PeftAdapter.isAdapter(adapter)) {
            throw new IllegalArgumentException("--adapter " + adapter + " is not a PEFT adapter directory (no "
                    + PeftAdapter.CONFIG_FILE + ", or it holds a full model's config.json)");
        }
        PeftAdapter.Info info = PeftAdapter.read(adapter);
        Path baseDir = PeftAdapter.baseOf(adapter, base);
        ModelDirectory.checkOutput("--output", output, Map.of("--adapter", adapter, "--base", baseDir));
        Path tokenizerDir = Files.exists(adapter.resolve("tokenizer.json")) ? adapter : baseDir;
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tokenizer = Tokenizer.load(tokenizerDir)) {
            if (PeftAdapter.SEQ_CLS.equals(info.taskType())) {
                if (base != null) {
                    throw new IllegalArgumentException("--base is not supported for a SEQ_CLS adapter: its base is"
                            + " the one it names (" + baseDir + ")");
                }
                try (DecoderRewardModel rm = DecoderRewardModel.load(adapter, m)) {
                    rm.saveMerged(output, tokenizer);
                }
            } else {
                try (CausalLM model = PeftAdapter.loadCausalLM(adapter, baseDir, m, true)) {
                    ModelDirectory.saveCausalLM(output, model, tokenizer); // saves the adapters merged
                }
            }
        }
        System.out.printf("merged %s (%s, r %d, on %s) into %s%n", adapter, info.taskType(), info.lora().r(), baseDir,
                output);
        return 0;
    }
}
