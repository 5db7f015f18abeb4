package dev.rlhf4j.demo.task;

import java.util.Objects;

/**
 * Every number of the demo task's data in one place. {@link #standard()} is the full demo,
 * {@link #quick()} the smoke-check variant ({@code rlhf4j demo --quick}, and the tests).
 *
 * @param corpusSize pretraining reviews in {@code corpus.jsonl}; standard 20000, quick 2000
 * @param sftSize demonstrations in {@code sft.jsonl}; standard 2000, quick 300
 * @param sftEvalSize held-out demonstrations in {@code sft-eval.jsonl}; standard 200, quick 50
 * @param ppoPromptCount prompts in {@code ppo-prompts.jsonl}; standard 512, quick 64
 * @param evalPromptCount prompts in {@code eval-prompts.jsonl} for the final comparison of
 *     policies; standard 64, quick 16
 * @param preferencePairs response pairs of SFT samples the demo has the simulated annotators label
 *     (used by the demo runner, not written here); standard 1500, quick 200
 * @param corpusTone tones of pretraining reviews: N(0, 1.2), every shade from very negative to very
 *     positive, so the base model sees every word in use
 * @param sftTone tones of demonstrations: N(0, 0.5), mostly neutral to mixed, so that PPO has room
 *     to make the policy more positive (the original task's SFT policy was neutral too)
 * @param maxReviewWords longest review in words (longer draws are redrawn); 22
 * @param modelMaxLength {@code model_max_length} of the tokenizer; 32 = {@code <bos>} + the longest
 *     prompt (8 words) + {@code maxReviewWords} + {@code <eos>}
 * @param annotation the simulated annotators ({@link SimulatedAnnotators.Settings#defaults()})
 */
public record DemoTaskConfig(
        int corpusSize,
        int sftSize,
        int sftEvalSize,
        int ppoPromptCount,
        int evalPromptCount,
        int preferencePairs,
        ReviewGrammar.Tone corpusTone,
        ReviewGrammar.Tone sftTone,
        int maxReviewWords,
        int modelMaxLength,
        SimulatedAnnotators.Settings annotation) {

    public DemoTaskConfig {
        Checks.atLeast("demo.corpus_size", corpusSize, 1);
        Checks.atLeast("demo.sft_size", sftSize, 1);
        Checks.atLeast("demo.sft_eval_size", sftEvalSize, 1);
        Checks.atLeast("demo.ppo_prompt_count", ppoPromptCount, 1);
        Checks.atLeast("demo.eval_prompt_count", evalPromptCount, 1);
        Checks.atLeast("demo.preference_pairs", preferencePairs, 1);
        Objects.requireNonNull(corpusTone, "corpusTone");
        Objects.requireNonNull(sftTone, "sftTone");
        Objects.requireNonNull(annotation, "annotation");
        ReviewGrammar grammar = ReviewGrammar.standard();
        Checks.atLeast("demo.max_review_words", maxReviewWords, grammar.longestSentence());
        Checks.atLeast("demo.model_max_length", modelMaxLength, grammar.longestPrompt() + maxReviewWords + 2);
    }

    /** The full demo's data. */
    public static DemoTaskConfig standard() {
        return new DemoTaskConfig(20_000, 2_000, 200, 512, 64, 1_500,
                new ReviewGrammar.Tone(0, 1.2), new ReviewGrammar.Tone(0, 0.5), 22, 32,
                SimulatedAnnotators.Settings.defaults());
    }

    /** The smoke check's data: the same task, smaller. */
    public static DemoTaskConfig quick() {
        return new DemoTaskConfig(2_000, 300, 50, 64, 16, 200,
                new ReviewGrammar.Tone(0, 1.2), new ReviewGrammar.Tone(0, 0.5), 22, 32,
                SimulatedAnnotators.Settings.defaults());
    }
}
