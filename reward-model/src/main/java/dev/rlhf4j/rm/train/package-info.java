/**
 * Reward-model training: {@link dev.rlhf4j.rm.train.RewardTrainer} (Bradley–Terry on pairwise
 * preferences with the shared loop parts of {@code dev.rlhf4j.core.train}), its config section
 * {@link dev.rlhf4j.rm.train.RewardModelConfig} ({@code reward_model:}) and the loss {@link
 * dev.rlhf4j.rm.train.PairwiseLoss}.
 */
package dev.rlhf4j.rm.train;
