package dev.rlhf4j.cli.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.core.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j bench model|train|generate|sft|rm|ppo}: throughput figures as ratios measured in one
 * run. {@code --only CASE} runs one case (e.g. {@code gpt2-256}, for generate {@code gpt2-512/32}),
 * so a fresh process measures it and its peak RSS alone; {@code tools/bench_compare.py} runs each
 * case that way next to the PyTorch equivalent.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure throughput (ratios in one run: the machine may be noisy).",
        subcommands = {BenchCommand.Model.class, BenchCommand.Train.class, BenchCommand.Generate.class,
            BenchCommand.Sft.class, BenchCommand.Rm.class, BenchCommand.Ppo.class})
public final class BenchCommand {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A size's case name: {@code gpt2-256}, {@code llama-512}. */
    static String caseName(ModelConfig c) {
        return c.modelType() + "-" + c.hiddenSize();
    }

    /** Whether {@code name} is selected by {@code --only} (null: every case). */
    static boolean selected(String only, String name) {
        return only == null || List.of(only.split(",")).contains(name);
    }

    static void print(String title, List<Map<String, Object>> rows, Path out) throws Exception {
        System.out.println("== " + title);
        for (Map<String, Object> row : rows) {
            StringBuilder line = new StringBuilder();
            row.forEach((k, v) -> line.append(k).append('=')
                    .append(v instanceof Double d ? String.format("%.3g", d) : v).append("  "));
            System.out.println(line.toString().trim());
        }
        if (out != null) {
            JSON.writeValue(out.toFile(), Map.of("bench", title, "rows", rows));
        }
    }

    @Command(name = "model", mixinStandardHelpOptions = true, description = "Forward+backward tokens/s at d=256/4L and d=512/6L, as a fraction of libtorch's matmul FLOP/s.")
    static final class Model implements Callable<Integer> {
        @Option(names = "--seq", defaultValue = "256") int seq;
        @Option(names = "--batch", defaultValue = "4") int batch;
        @Option(names = "--vocab", defaultValue = "8192") int vocab;
        @Option(names = "--steps", defaultValue = "3") int steps;
        @Option(names = "--only", description = "comma-separated cases: gpt2-256, llama-256, gpt2-512, llama-512") String only;
        @Option(names = "--json", description = "write the rows as JSON") Path out;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            try (NDManager m = NDManager.newBaseManager()) {
                for (ModelConfig c : ModelBench.sizes(vocab, seq)) {
                    if (!selected(only, caseName(c))) {
                        continue;
                    }
                    // the yardstick is measured right before each model, so both see the same machine load
                    double peak = MatmulPeak.measure(m, 2048, 3);
                    Map<String, Object> row = ModelBench.run(c, batch, seq, steps, peak);
                    row.put("matmul_peak_gflops", peak / 1e9);
                    rows.add(row);
                }
            }
            print("model forward+backward, batch " + batch + " x seq " + seq, rows, out);
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "One whole training step (forward, loss, backward, clip, AdamW, gradients"
            + " cleared) per second at d=256/4L and d=512/6L, dropout off.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--seq", defaultValue = "256") int seq;
        @Option(names = "--batch", defaultValue = "4") int batch;
        @Option(names = "--vocab", defaultValue = "8192") int vocab;
        @Option(names = "--steps", defaultValue = "3", description = "timed steps (the fastest counts), after one warm-up") int steps;
        @Option(names = "--only", description = "comma-separated cases: gpt2-256, llama-256, gpt2-512, llama-512") String only;
        @Option(names = "--lora", defaultValue = "0", description = "LoRA rank on every projection, base frozen (0: full"
                + " fine-tuning); compare peak RSS one case per process") int lora;
        @Option(names = "--gradient-checkpointing", description = "recompute the decoder blocks in the backward")
        boolean checkpointing;
        @Option(names = "--layers", defaultValue = "0", description = "instead of the four sizes: one Llama d=256 with"
                + " this many layers (case llama-256)") int layers;
        @Option(names = "--json", description = "write the rows as JSON") Path out;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            List<ModelConfig> sizes = layers > 0 ? List.of(ModelConfig.llama(vocab, 256, layers, 4, 2, 688, seq))
                    : ModelBench.sizes(vocab, seq);
            for (ModelConfig c : sizes) {
                if (selected(only, caseName(c))) {
                    rows.add(TrainStepBench.run(c, batch, seq, steps, lora, checkpointing));
                }
            }
            print("training step, batch " + batch + " x seq " + seq, rows, out);
            return 0;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, description = "Decode tokens/s with and without the KV cache, batch 1 and 32, two sizes;"
            + " with --num-beams, beam search at batch 1 and 8.")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--new-tokens", defaultValue = "64") int newTokens;
        @Option(names = "--prompt-len", defaultValue = "32") int promptLen;
        @Option(names = "--vocab", defaultValue = "8192") int vocab;
        @Option(names = "--uncached", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "also decode without the cache (default on; --no-uncached skips it)") boolean uncached;
        @Option(names = "--num-beams", defaultValue = "0",
                description = "beam search with N beams instead of sampling (0 = off); batches 1 and 8") int numBeams;
        @Option(names = "--only", description = "comma-separated cases: gpt2-256/1, gpt2-256/32, gpt2-512/1, gpt2-512/32"
                + " (with --num-beams: /1 and /8)") String only;
        @Option(names = "--json") Path out;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ModelConfig c : List.of(ModelBench.sizes(vocab, 512).get(0), ModelBench.sizes(vocab, 512).get(2))) {
                for (int batch : numBeams > 0 ? new int[] {1, 8} : new int[] {1, 32}) {
                    if (!selected(only, caseName(c) + "/" + batch)) {
                        continue;
                    }
                    rows.add(numBeams > 0 ? GenerateBench.runBeams(c, batch, promptLen, newTokens, numBeams)
                            : GenerateBench.run(c, batch, promptLen, newTokens, uncached));
                }
            }
            print((numBeams > 0 ? numBeams + "-beam search" : "generation") + ", prompt " + promptLen + " + " + newTokens
                    + " new tokens", rows, out);
            return 0;
        }
    }


    @Command(name = "ppo", mixinStandardHelpOptions = true, description = "One PPO iteration split into generate / score / train, at the two core sizes.")
    static final class Ppo implements Callable<Integer> {
        @Option(names = "--batch", defaultValue = "16") int batch;
        @Option(names = "--new-tokens", defaultValue = "32") int newTokens;
        @Option(names = "--vocab", defaultValue = "8192") int vocab;
        @Option(names = "--only", description = "comma-separated cases: gpt2-256, gpt2-512") String only;
        @Option(names = "--json") Path out;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            Path tokDir = java.nio.file.Files.createTempDirectory("rlhf4j-bench-tokenizer");
            // a word-level tokenizer over synthetic words: the sizes, not the language, are measured
            List<String> words = new ArrayList<>();
            for (int i = 0; words.size() < vocab - 4; i++) {
                words.add("w" + i);
            }
            dev.rlhf4j.demo.task.WordLevelTokenizerWriter.write(tokDir, words, 1024);
            try (dev.rlhf4j.core.tokenizer.Tokenizer tok = dev.rlhf4j.core.tokenizer.Tokenizer.load(tokDir)) {
                for (ModelConfig c : List.of(ModelBench.sizes(vocab, 256).get(0), ModelBench.sizes(vocab, 256).get(2))) {
                    if (selected(only, caseName(c))) {
                        rows.add(PpoBench.run(c, tok, batch, newTokens, 2));
                    }
                }
            } finally {
                dev.rlhf4j.core.checkpoint.ModelDirectory.deleteRecursively(tokDir);
            }
            print("ppo iteration, batch " + batch + ", " + newTokens + " new tokens, 4 ppo epochs", rows, out);
            return 0;
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true, description = "SFT training tokens/s (real tokens, full optimizer steps) at d=256/4L and d=512/6L,"
            + " packing off and on, on synthetic demonstrations of mixed lengths.")
    static final class Sft implements Callable<Integer> {
        @Option(names = "--max-length", defaultValue = "256") int maxLength;
        @Option(names = "--batch", defaultValue = "4", description = "rows per step") int batch;
        @Option(names = "--vocab", defaultValue = "8192") int vocab;
        @Option(names = "--steps", defaultValue = "4", description = "timed steps (the fastest counts), after one warm-up step") int steps;
        @Option(names = "--only", description = "comma-separated cases: gpt2-256, llama-256, gpt2-512, llama-512") String only;
        @Option(names = "--json", description = "write the rows as JSON") Path out;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ModelConfig c : ModelBench.sizes(vocab, maxLength)) {
                if (!selected(only, caseName(c))) {
                    continue;
                }
                double peak; // measured next to each model: the machine's load changes during the run
                try (NDManager m = NDManager.newBaseManager()) {
                    peak = MatmulPeak.measure(m, 2048, 3);
                }
                Map<String, Object> unpacked = SftBench.run(c, false, batch, maxLength, steps, peak);
                Map<String, Object> packed = SftBench.run(c, true, batch, maxLength, steps, peak);
                packed.put("packing_speedup", (double) packed.get("tokens_per_s") / (double) unpacked.get("tokens_per_s"));
                unpacked.put("matmul_peak_gflops", peak / 1e9);
                packed.put("matmul_peak_gflops", peak / 1e9);
                rows.add(unpacked);
                rows.add(packed);
            }
            print("sft training steps, batch " + batch + " rows, max_length " + maxLength, rows, out);
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Reward-model training pairs/s (full optimizer steps) and scoring pairs/s at d=256/4L and d=512/6L.")
    static final class Rm implements Callable<Integer> {
        @Option(names = "--seq", defaultValue = "256", description = "longest sequence (lengths vary from half of it)") int seq;
        @Option(names = "--pairs", defaultValue = "8", description = "pairs per training step") int pairs;
        @Option(names = "--score-pairs", defaultValue = "32", description = "pairs per scoring batch") int scorePairs;
        @Option(names = "--vocab", defaultValue = "8192") int vocab;
        @Option(names = "--steps", defaultValue = "3", description = "timed steps (the fastest counts), after one warm-up") int steps;
        @Option(names = "--only", description = "comma-separated cases: gpt2-256, llama-256, gpt2-512, llama-512") String only;
        @Option(names = "--json", description = "write the rows as JSON") Path out;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ModelConfig c : ModelBench.sizes(vocab, seq)) {
                if (selected(only, caseName(c))) {
                    rows.add(RmBench.run(c, pairs, scorePairs, seq, steps));
                }
            }
            print("reward model: training and scoring pairs, sequences of " + seq / 2 + ".." + seq + " tokens", rows, out);
            return 0;
        }
    }
}
