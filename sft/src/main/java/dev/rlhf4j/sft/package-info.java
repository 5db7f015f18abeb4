/**
 * Supervised fine-tuning of a pretrained causal LM on demonstrations: the first alignment stage.
 *
 * <ul>
 *   <li>{@link dev.rlhf4j.sft.SftConfig}: the {@code sft:} config section, defaults documented.
 *   <li>{@link dev.rlhf4j.sft.SftDataset} and {@link dev.rlhf4j.sft.SftExample}: JSONL records
 *       ({@code prompt}/{@code completion} text or {@code messages} chats) tokenized with loss
 *       flags on completion and assistant tokens only, fitted to {@code max_length}.
 *   <li>{@link dev.rlhf4j.sft.Packing} and {@link dev.rlhf4j.sft.SftBatch}: rows of one example
 *       or several packed ones (attention and positions reset at each boundary), and padded
 *       micro-batches with per-example shifted targets.
 *   <li>{@link dev.rlhf4j.sft.SftLoss}: the completion-only token cross-entropy, equal to
 *       transformers' loss with {@code -100} labels; evaluation sums (loss, perplexity, token
 *       accuracy).
 *   <li>{@link dev.rlhf4j.sft.SftTrainer}: the run, in numbered phases, with exact resume;
 *       {@link dev.rlhf4j.sft.SftResult} what it reports.
 * </ul>
 */
package dev.rlhf4j.sft;
