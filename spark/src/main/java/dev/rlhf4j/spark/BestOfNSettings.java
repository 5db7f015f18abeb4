package dev.rlhf4j.spark;

import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.ppo.BestOfN;
import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link BestOfNJob} samples and how: the options of {@code rlhf4j best-of-n}, plus the job's.
 *
 * @param policy the policy's model directory, at this path on the driver and every executor
 * @param rewardModel the reward model directory, likewise
 * @param prompts the prompt file, read by the driver (as {@code best-of-n --prompts})
 * @param output the directory of the best samples' parts; their concatenation is {@code best-of-n --output}
 * @param all the directory of every sample's parts ({@code best-of-n --all}), or {@code null}
 * @param n samples per prompt
 * @param sampling temperature, top-k, top-p, max new tokens and seed
 * @param batchSize rows per generation batch: with the seed, what fixes the samples
 * @param missingEos how a response without EOS ranks
 * @param partitions at most this many sampling tasks
 * @param torchThreads libtorch threads per task, 0 for the engine's default
 */
public record BestOfNSettings(String policy, String rewardModel, String prompts, String output, String all, int n,
        SamplingConfig sampling, int batchSize, BestOfN.MissingEos missingEos, int partitions, int torchThreads)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public BestOfNSettings {
        Objects.requireNonNull(policy, "best_of_n.model");
        Objects.requireNonNull(rewardModel, "best_of_n.reward_model");
        Objects.requireNonNull(prompts, "best_of_n.prompts");
        Objects.requireNonNull(output, "best_of_n.output");
        Objects.requireNonNull(sampling, "best_of_n.sampling");
        Objects.requireNonNull(missingEos, "best_of_n.missing_eos");
        if (n < 1) {
            throw new IllegalArgumentException("best_of_n.n must be >= 1, but is: " + n);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("best_of_n.batch_size must be >= 1, but is: " + batchSize);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("best_of_n.partitions must be >= 1, but is: " + partitions);
        }
        if (torchThreads < 0) {
            throw new IllegalArgumentException("best_of_n.torch_threads must be >= 0, but is: " + torchThreads);
        }
    }
}
