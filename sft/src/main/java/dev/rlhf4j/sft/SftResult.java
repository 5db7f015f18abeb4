package dev.rlhf4j.sft;

import java.nio.file.Path;

/**
 * What an SFT run reports.
 *
 * @param steps training steps done (all of them, resumed ones included)
 * @param resumedFromStep the checkpoint step this process continued from, 0 for a fresh start
 * @param trainLoss mean training loss over the last logging window (NaN if this process trained
 *     no step)
 * @param evalLoss mean loss per completion token on {@code eval_data} at the end (NaN without)
 * @param evalPerplexity exp(evalLoss)
 * @param evalTokenAccuracy fraction of completion tokens the model predicts by arg-max
 * @param tokensPerSecond real (non-pad) tokens trained per second by this process
 * @param output the fine-tuned model directory, or null if the run stopped before the end
 * @param data what happened to the training records
 */
public record SftResult(long steps, long resumedFromStep, double trainLoss, double evalLoss, double evalPerplexity,
        double evalTokenAccuracy, double tokensPerSecond, Path output, SftDataset.Stats data) {}
