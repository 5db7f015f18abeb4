/**
 * Reward models: Bradley–Terry training on preference pairs, evaluation and export.
 *
 * <p>This package holds the model and how inputs reach it, the API the PPO stage uses:
 * {@link dev.rlhf4j.rm.RewardModel} (a decoder trunk with a scalar head read at the last real
 * token; loads and saves Hugging Face sequence-classification directories), its stored score
 * {@link dev.rlhf4j.rm.Normalization}, {@link dev.rlhf4j.rm.RewardInputs} (prompt + response + EOS
 * to token ids), {@link dev.rlhf4j.rm.ScoreRecord} (a line of a file to score, as those ids) and
 * {@link dev.rlhf4j.rm.RewardScorer} (batched scoring without gradients).
 * Sub-packages: {@code data} (preference pairs from files), {@code train} (the trainer, its config
 * and loss) and {@code eval} (metrics and reports).
 */
package dev.rlhf4j.rm;
