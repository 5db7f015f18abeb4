/**
 * {@code rlhf4j bench}: speed and memory figures, reported as ratios measured in one run (against
 * libtorch's own matmul peak, or the uncached baseline) because the machine is shared and noisy.
 */
package dev.rlhf4j.cli.bench;
