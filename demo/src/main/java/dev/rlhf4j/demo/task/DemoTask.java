package dev.rlhf4j.demo.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo task's data in one call: {@link #generate(Path, long, boolean)} writes everything the
 * demo trains on into a directory. Per file, a seed derived from the run's seed and the file's
 * name, so adding a file never changes the others.
 *
 * <pre>
 * DIR/corpus.jsonl         {"text": "the plot was clever . i loved the ending ."}     pretraining
 * DIR/sft.jsonl            {"prompt": "review the phone :", "completion": " the battery was good ."}
 * DIR/sft-eval.jsonl       same form, held out
 * DIR/ppo-prompts.jsonl    {"prompt": "write a review of the movie :"}
 * DIR/eval-prompts.jsonl   same form, for the final comparison of policies
 * DIR/task.json            {"seed": 42, "config": {"corpus_size": 2000, ...}}: what was generated
 * DIR/tokenizer/           tokenizer.json, tokenizer_config.json, special_tokens_map.json
 * </pre>
 *
 * <p>The gold reward ({@link #goldReward()}) and the simulated annotators
 * ({@link #annotators(DemoTaskConfig)}) are for the later stages of the demo: label pairs of
 * policy samples, and measure policies.
 */
public final class DemoTask {

    public static final String CORPUS = "corpus.jsonl";
    public static final String SFT = "sft.jsonl";
    public static final String SFT_EVAL = "sft-eval.jsonl";
    public static final String PPO_PROMPTS = "ppo-prompts.jsonl";
    public static final String EVAL_PROMPTS = "eval-prompts.jsonl";
    public static final String TASK = "task.json";
    public static final String TOKENIZER = "tokenizer";

    /** Where {@link #generate} put each file. */
    public record Files(
            Path corpus, Path sft, Path sftEval, Path ppoPrompts, Path evalPrompts, Path task, Path tokenizer) {
        static Files in(Path dir) {
            return new Files(dir.resolve(CORPUS), dir.resolve(SFT), dir.resolve(SFT_EVAL),
                    dir.resolve(PPO_PROMPTS), dir.resolve(EVAL_PROMPTS), dir.resolve(TASK), dir.resolve(TOKENIZER));
        }
    }

    /** Writes config records with the keys their validation messages use: {@code corpus_size}. */
    private static final ObjectMapper SNAKE_CASE =
            JsonFiles.MAPPER.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private DemoTask() {}

    /** Writes the demo data with {@link DemoTaskConfig#quick()} or {@link DemoTaskConfig#standard()}. */
    public static Files generate(Path dir, long seed, boolean quick) throws IOException {
        return generate(dir, seed, quick ? DemoTaskConfig.quick() : DemoTaskConfig.standard());
    }

    /** Writes the demo data of {@code config} into {@code dir} (created if missing). */
    public static Files generate(Path dir, long seed, DemoTaskConfig config) throws IOException {
        ReviewGrammar grammar = grammar();
        Files files = Files.in(dir);

        List<ObjectNode> corpus = new ArrayList<>();
        for (String text : grammar.corpus(config.corpusSize(), config.corpusTone(), config.maxReviewWords(),
                subSeed(seed, CORPUS))) {
            corpus.add(JsonFiles.MAPPER.createObjectNode().put("text", text));
        }
        JsonFiles.writeLines(files.corpus(), corpus);
        JsonFiles.writeLines(files.sft(), demonstrations(grammar, config.sftSize(), config, subSeed(seed, SFT)));
        JsonFiles.writeLines(files.sftEval(),
                demonstrations(grammar, config.sftEvalSize(), config, subSeed(seed, SFT_EVAL)));
        JsonFiles.writeLines(files.ppoPrompts(),
                prompts(grammar.prompts(config.ppoPromptCount(), subSeed(seed, PPO_PROMPTS))));
        JsonFiles.writeLines(files.evalPrompts(),
                prompts(grammar.prompts(config.evalPromptCount(), subSeed(seed, EVAL_PROMPTS))));
        WordLevelTokenizerWriter.write(files.tokenizer(), grammar.vocabulary(), config.modelMaxLength());

        ObjectNode task = JsonFiles.MAPPER.createObjectNode();
        task.put("seed", seed);
        task.set("config", SNAKE_CASE.valueToTree(config));
        JsonFiles.writePretty(files.task(), task);
        return files;
    }

    /** The task's grammar. */
    public static ReviewGrammar grammar() {
        return ReviewGrammar.standard();
    }

    /** The hidden gold reward: for measurement only, never for training. */
    public static GoldReward goldReward() {
        return GoldReward.standard();
    }

    /** Simulated annotators with the config's settings, judging by the gold reward. */
    public static SimulatedAnnotators annotators(DemoTaskConfig config) {
        return new SimulatedAnnotators(config.annotation(), goldReward());
    }

    /**
     * A seed for one purpose: SplitMix64's finaliser over the run seed plus the purpose's hash,
     * so different purposes get unrelated streams from one run seed.
     */
    static long subSeed(long seed, String purpose) {
        long z = seed + 0x9E3779B97F4A7C15L * (purpose.hashCode() + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static List<ObjectNode> demonstrations(ReviewGrammar grammar, int count, DemoTaskConfig config, long seed) {
        List<ObjectNode> lines = new ArrayList<>(count);
        for (Demonstration d : grammar.demonstrations(count, config.sftTone(), config.maxReviewWords(), seed)) {
            lines.add(JsonFiles.MAPPER.createObjectNode().put("prompt", d.prompt()).put("completion", d.completion()));
        }
        return lines;
    }

    private static List<ObjectNode> prompts(List<String> prompts) {
        List<ObjectNode> lines = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            lines.add(JsonFiles.MAPPER.createObjectNode().put("prompt", prompt));
        }
        return lines;
    }
}
