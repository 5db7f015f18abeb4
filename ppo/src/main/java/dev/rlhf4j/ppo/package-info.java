/**
 * PPO against a reward model with a per-token KL penalty to the frozen reference policy, and the
 * critic-free online algorithms RLOO, GRPO and REINFORCE++ on the same loop ({@link
 * dev.rlhf4j.ppo.Algorithm}).
 *
 * <p>The numerics, one class per concept, in the order an iteration uses them (PPO-NOTES.md):
 *
 * <ol>
 *   <li>{@link dev.rlhf4j.ppo.ScoreProcessing}: normalise, clip, missing-EOS rule for the scores;
 *   <li>{@link dev.rlhf4j.ppo.KlEstimator}: k1, k3, abs per-token KL estimates;
 *   <li>{@link dev.rlhf4j.ppo.KlController}: fixed or adaptive β;
 *   <li>{@link dev.rlhf4j.ppo.Rewards}: {@code −β·kl_t} plus the score on the last real token;
 *   <li>{@link dev.rlhf4j.ppo.Gae}: advantages and returns;
 *   <li>{@link dev.rlhf4j.ppo.Advantages}: each algorithm's advantages (GAE and whitening for PPO,
 *       the leave-one-out, group and batch baselines of RLOO, GRPO and REINFORCE++);
 *   <li>{@link dev.rlhf4j.ppo.PpoLosses}: clipped policy and value losses, GRPO's loss with its k3
 *       KL term, clipfrac, approx_kl, ratio statistics, explained variance, entropy.
 * </ol>
 *
 * <p>Dimensions: {@code B} responses, {@code T} response positions, {@code V} vocabulary; {@code
 * mask (B, T)} is 1 on real response tokens (up to and including the first EOS). Arrays a function
 * creates are attached to the managers of its inputs, so the caller's per-step scope frees them.
 *
 * <p>After training, {@link dev.rlhf4j.ppo.PolicyEvaluator} compares policies on the same prompts:
 * reward-model score, KL to the reference, length, EOS rate.
 *
 * <p>Without training, {@link dev.rlhf4j.ppo.BestOfN} samples n responses per prompt and ranks them by
 * the same reward-model score (rejection sampling); {@link dev.rlhf4j.ppo.BestOfK} turns the n scores
 * into best-of-k for every k ≤ n and gives {@code KL_bon(k)}, the x axis of a best-of-n curve.
 */
package dev.rlhf4j.ppo;
