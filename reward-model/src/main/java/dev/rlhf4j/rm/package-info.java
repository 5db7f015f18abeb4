/**
 * Reward models: Bradley–Terry training on preference pairs, evaluation and export.
 *
 * <p>This package holds the model and how inputs reach it, the API the PPO stage uses:
 * {@link dev.rlhf4j.rm.RewardModel} (token ids to one score per sequence; loads and saves Hugging
 * Face sequence-classification directories) in two kinds chosen by {@code model_type}: {@link
 * dev.rlhf4j.rm.DecoderRewardModel} (a decoder trunk with a scalar head read at the last real token)
 * and {@link dev.rlhf4j.rm.EncoderRewardModel} (BERT, RoBERTa, DeBERTa-v2/v3 with their own heads
 * on the first token); its stored score {@link dev.rlhf4j.rm.Normalization}, {@link
 * dev.rlhf4j.rm.RewardInputs} (prompt + response to token ids, in each kind's layout), {@link dev.rlhf4j.rm.ScoreRecord} (a line of a file to score, as those ids) and
 * {@link dev.rlhf4j.rm.RewardScorer} (batched scoring without gradients).
 * Sub-packages: {@code data} (preference pairs from files), {@code train} (the trainer, its config
 * and loss) and {@code eval} (metrics and reports).
 */
package dev.rlhf4j.rm;
