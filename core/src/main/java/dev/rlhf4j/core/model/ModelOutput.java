package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;

/**
 * What one forward pass returns.
 *
 * @param logits next-token logits, (B, T, V)
 * @param hidden the last hidden states after the final norm, (B, T, C)
 */
public record ModelOutput(NDArray logits, NDArray hidden) {}
