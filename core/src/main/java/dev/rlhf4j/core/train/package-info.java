/**
 * The training-loop parts every stage shares.
 *
 * <ul>
 *   <li>{@link dev.rlhf4j.core.train.AdamW}: torch's AdamW, with no decay on biases and norm gains.
 *   <li>{@link dev.rlhf4j.core.train.LrSchedule}: constant, linear and cosine with linear warmup,
 *       equal to transformers' schedulers.
 *   <li>{@link dev.rlhf4j.core.train.GradAccumulator}: micro-batches into one update.
 *   <li>{@link dev.rlhf4j.core.train.GradClip}: global L2-norm clipping, as torch's
 *       {@code clip_grad_norm_}.
 *   <li>{@link dev.rlhf4j.core.train.NonFiniteGuard}: skips NaN/Inf steps, stops after too many.
 *   <li>{@link dev.rlhf4j.core.train.TrainingStoppedException}: a run that stopped for a reason the
 *       user can act on (diverged, exploded, a checkpoint of another config).
 *   <li>{@link dev.rlhf4j.core.train.MetricsSink}: {@code metrics.jsonl} plus a progress line.
 *   <li>{@link dev.rlhf4j.core.train.CheckpointManager}, {@link dev.rlhf4j.core.train.TrainerState},
 *       {@link dev.rlhf4j.core.train.SeededRng}: atomic checkpoints and exact resume.
 *   <li>{@link dev.rlhf4j.core.train.ConfigChanges}: a checkpoint remembers its stage config; resuming
 *       with a key changed that alters the training is refused unless allowed ({@link
 *       dev.rlhf4j.core.train.OnConfigChange}).
 * </ul>
 *
 * <p>One optimizer step, in order (all per-step arrays in a sub-manager closed at the end):
 *
 * <pre>{@code
 * try (NDManager stepScope = model.getManager().newSubManager()) {
 *     float lossSum = 0;
 *     for (Batch mb : microBatches)                                   // 1. forward + backward
 *         lossSum += acc.backward(() -> lossOf(mb, stepScope));
 *     float loss = lossSum / acc.accumulationSteps();
 *     double gradNorm = GradClip.clipGlobalNorm(params, maxGradNorm); // 2. clip
 *     double lr = schedule.lr(optimizerStep);
 *     if (guard.check(step, loss, gradNorm)) {                        // 3. update unless NaN/Inf
 *         optimizer.step(lr);
 *         optimizerStep++;
 *     }
 *     optimizer.zeroGrad();                                           // 4. clear for the next step
 *     acc.reset();
 *     step++;
 *     metrics.log(new StepMetrics(step, loss, lr, gradNorm, tokens)); // 5. log
 * }
 * }</pre>
 *
 * <p>Gradients on DJL's PyTorch engine accumulate in libtorch's {@code tensor.grad} across
 * backward calls and across GradientCollectors until zeroed; see {@link
 * dev.rlhf4j.core.train.GradAccumulator}.
 */
package dev.rlhf4j.core.train;
