/**
 * Small, pure numerics on {@link ai.djl.ndarray.NDArray} shared by SFT, reward modelling and PPO.
 *
 * <p>Dimensions: {@code B} batch, {@code T} response length, {@code V} vocabulary. A {@code mask}
 * is {@code (B, T)}, 1 on real tokens and 0 on padding (and after the first EOS); any numeric or
 * boolean type is accepted. Every array a function creates is attached to the manager of one of
 * its inputs (the inputs are the receivers of the operations), so a caller's
 * {@code NDManager.newSubManager()} scope frees all of them.
 *
 * <ul>
 *   <li>{@link dev.rlhf4j.core.ops.Masked}: sums, means, variance and whitening over real tokens.
 *   <li>{@link dev.rlhf4j.core.ops.LogProbs}: log-probabilities of chosen tokens and entropy.
 *   <li>{@link dev.rlhf4j.core.ops.Scalars}: scalar operands that survive until the backward pass
 *       (DJL's {@code x.mul(0.5f)} does not).
 *   <li>{@link dev.rlhf4j.core.ops.TorchKernels}: libtorch's fused SiLU, tanh GELU and AdamW, which
 *       DJL does not bind, through a weightless TorchScript module.
 * </ul>
 */
package dev.rlhf4j.core.ops;
