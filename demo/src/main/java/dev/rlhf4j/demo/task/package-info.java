/**
 * The data side of the built-in demo task, a miniature of the sentiment task of "Fine-Tuning
 * Language Models from Human Preferences" (Ziegler et al., 2019): a seeded review grammar
 * ({@link dev.rlhf4j.demo.task.ReviewGrammar}) that generates the pretraining corpus, the SFT
 * demonstrations and the prompts and recognises its own language; the hidden gold reward
 * ({@link dev.rlhf4j.demo.task.GoldReward}), used only for measurement; simulated annotators
 * that label response pairs into a Label Studio export
 * ({@link dev.rlhf4j.demo.task.SimulatedAnnotators}); a word-level Hugging Face tokenizer built
 * from the grammar's vocabulary ({@link dev.rlhf4j.demo.task.WordLevelTokenizerWriter}); and
 * the facade that writes all of it to a directory ({@link dev.rlhf4j.demo.task.DemoTask}).
 */
package dev.rlhf4j.demo.task;
