package dev.rlhf4j.cli.bon;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.io.Durable;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.ppo.BestOfN;
import dev.rlhf4j.ppo.BestOfNOutput;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.ppo.RewardModels;
import dev.rlhf4j.rm.RewardModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j best-of-n --model DIR --reward-model DIR --prompts FILE --n 8 --output best.jsonl [--all
 * samples.jsonl]}: samples n responses per prompt, scores each with the reward model as PPO does, and
 * writes the best per prompt as SFT data ({@code prompt}/{@code completion}, or {@code messages}
 * ending with the assistant turn) with its score and all n scores; {@code --all} writes every sample
 * with its score and rank as {@code prompt}/{@code response} lines that {@code rm score} reads.
 *
 * <p>The library part is {@link BestOfN}. Outputs are written beside their names and renamed into
 * place at the end, and may not be an input (the prompts or a file of either model directory).
 * Errors and exit codes: {@code dev.rlhf4j.cli.ErrorHandler} (2 a bad option, 1 a data or model error).
 */
@Command(name = "best-of-n", mixinStandardHelpOptions = true,
        description = "Sample n responses per prompt, score them with a reward model, keep the best (rejection sampling).")
public final class BestOfNCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the policy's model directory")
    Path model;

    @Option(names = "--reward-model", required = true, paramLabel = "DIR", description = "the reward model directory")
    Path rewardModel;

    @Option(names = "--prompts", required = true, paramLabel = "FILE.jsonl",
            description = "PPO prompts: \"prompt\" (text) or \"messages\" (chat) per line")
    Path prompts;

    @Option(names = "--n", required = true, description = "samples per prompt")
    int n;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "the best sample per prompt, as SFT data")
    Path output;

    @Option(names = "--all", paramLabel = "FILE.jsonl", description = "every sample with its score and rank")
    Path all;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "sampling temperature (default: ${DEFAULT-VALUE}: KL_bon is then the KL to the policy itself)")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default)") int topK;
    @Option(names = "--top-p", defaultValue = "1.0", description = "1 = off (default)") float topP;
    @Option(names = "--max-new-tokens", defaultValue = "64", description = "default: ${DEFAULT-VALUE}") int maxNewTokens;
    @Option(names = "--batch-size", defaultValue = "16", description = "sequences per batch (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--seed", defaultValue = "0", description = "the same seed and batch size give the same samples") long seed;

    @Option(names = "--missing-eos", defaultValue = "rank_last",
            description = "rank_last (default): a response cut off at --max-new-tokens ranks below every one that ended;"
                    + " ignore: rank by score only")
    BestOfN.MissingEos missingEos;

    @Override
    public Integer call() throws IOException {
        long startNanos = System.nanoTime();
        SamplingConfig sampling = options();
        checkInputs();
        List<BestOfN.Result> results;
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(model);
                Tokenizer rmTok = Tokenizer.load(rewardModel);
                CausalLM policy = ModelDirectory.loadCausalLM(model, m, true);
                RewardModel rm = RewardModel.load(rewardModel, m)) {
            policy.setTrainable(false);
            int maxPromptLength = policy.config().maxPositions() - maxNewTokens;
            if (maxPromptLength < 1) {
                throw new ParameterException(spec.commandLine(), "--max-new-tokens must be below the policy's"
                        + " max_position_embeddings (" + policy.config().maxPositions() + "), but is: " + maxNewTokens);
            }
            List<PromptSource.Prompt> read = PromptSource.read(prompts, tok, maxPromptLength);
            if (read.isEmpty()) {
                throw new IllegalArgumentException(prompts + ": no prompts in the file");
            }
            results = BestOfN.sample(policy, tok, RewardModels.scorer(rm, rmTok), read, n, sampling, batchSize,
                    missingEos, m);
        }
        // both files written and forced to disk before either is renamed into place
        List<Path> temps = new ArrayList<>();
        try {
            temps.add(write(output, results, (i, r) -> List.of(BestOfNOutput.bestRecord(i, r))));
            if (all != null) {
                temps.add(write(all, results, BestOfNOutput::sampleRecords));
            }
            OutputFiles.commit(temps.get(0), output);
            if (all != null) {
                OutputFiles.commit(temps.get(1), all);
            }
        } catch (IOException | RuntimeException e) {
            for (Path t : temps) {
                Files.deleteIfExists(t);
            }
            throw e;
        }
        summary((System.nanoTime() - startNanos) / 1e9, results);
        return 0;
    }

    /** The sampling config; a bad option is a usage error naming it. */
    private SamplingConfig options() {
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "--n must be >= 1, but is: " + n);
        }
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be >= 1, but is: " + batchSize);
        }
        try {
            return new SamplingConfig(maxNewTokens, temperature, topK, topP, false, List.of(), seed);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage().replaceFirst(" \\(use greedy for temperature 0\\)$", "");
            throw new ParameterException(spec.commandLine(), "--" + message.replace('_', '-'), e);
        }
    }

    /** Inputs exist; no output is an input or the other output. */
    private void checkInputs() throws IOException {
        if (!Files.isRegularFile(prompts)) {
            throw new IllegalArgumentException("--prompts: " + prompts + ": file not found");
        }
        List<Path> inputs = new ArrayList<>(List.of(prompts));
        addDirectory("--model", model, inputs);
        addDirectory("--reward-model", rewardModel, inputs);
        try {
            OutputFiles.checkNotAnInput("--output", output, inputs);
            if (all != null) {
                OutputFiles.checkNotAnInput("--all", all, inputs);
                OutputFiles.checkNotAnInput("--all", all, List.of(output));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** The files of a model directory, which no output may replace. */
    private static void addDirectory(String option, Path dir, List<Path> inputs) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + ": " + dir + ": directory not found");
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(inputs::add);
        }
    }

    private interface Lines {
        List<Map<String, Object>> of(int index, BestOfN.Result r);
    }

    /** Writes the lines to a new temporary file beside {@code target}, forced to disk, for {@link OutputFiles#commit}. */
    private static Path write(Path target, List<BestOfN.Result> results, Lines lines) throws IOException {
        Path temp = OutputFiles.temporaryFor(target);
        try {
            try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                for (int i = 0; i < results.size(); i++) {
                    for (Map<String, Object> line : lines.of(i, results.get(i))) {
                        w.write(JSON.writeValueAsString(line));
                        w.write('\n');
                    }
                }
            }
            Durable.fsync(temp);
            return temp;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Counts, rate, EOS rate, and the best-of-k curve of the proxy score at k = 1, 2, 4, ..., n. */
    private void summary(double seconds, List<BestOfN.Result> results) {
        BestOfNOutput.Summary sum = results.stream().map(BestOfNOutput.Summary::of).reduce(BestOfNOutput.Summary::plus)
                .orElseThrow();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "rlhf4j best-of-n: %d prompts x %d samples in %.1f s (%.1f samples/s), EOS rate %.3f,"
                + " %d best samples without EOS; written %s%s%n", sum.prompts(), n, seconds, sum.samples() / seconds,
                sum.eosRate(), sum.bestWithoutEos(), output, all != null ? " and " + all : "");
        err.println(sum.curveReport());
        err.flush();
    }
}
