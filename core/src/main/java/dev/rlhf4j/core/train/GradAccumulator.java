package dev.rlhf4j.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.model.GradientCheckpointing;
import dev.rlhf4j.core.ops.Scalars;
import dev.rlhf4j.core.util.Checks;
import java.util.function.Supplier;

/**
 * Gradient accumulation over micro-batches: one optimizer update from {@code
 * accumulationSteps} forward/backward passes, equal (up to float rounding) to one pass over their
 * union when each micro-batch loss is a mean over equally sized micro-batches.
 *
 * <p>Each micro-batch runs in its own {@link GradientCollector}, and {@code loss /
 * accumulationSteps} is back-propagated. This relies on DJL's PyTorch engine adding every
 * backward into libtorch's {@code tensor.grad} and never zeroing it when a collector opens or
 * closes (see {@link Gradients}), so gradients sum across the micro-batches until {@link
 * AdamW#zeroGrad} clears them. The graph of each micro-batch is freed by its backward, so memory
 * is that of one micro-batch.
 *
 * <pre>{@code
 * for (Batch mb : microBatches) {               // accumulationSteps of them
 *     lossSum += acc.backward(() -> model.loss(mb));
 * }
 * if (acc.isComplete()) { clip; optimizer.step(lr); optimizer.zeroGrad(); acc.reset(); }
 * }</pre>
 *
 * <p>Lifetimes: the arrays {@code lossFn} creates belong to the caller (create them in the step's
 * sub-manager); the scaled copy of the loss is closed here.
 */
public final class GradAccumulator {

    private final int accumulationSteps;
    private int count;

    /** @param accumulationSteps micro-batches per optimizer update (>= 1) */
    public GradAccumulator(int accumulationSteps) {
        this.accumulationSteps = Checks.positive("grad_accum", accumulationSteps);
    }

    /**
     * Forward and backward of one micro-batch, with the loss scaled by {@code 1 /
     * accumulationSteps}.
     *
     * @param lossFn computes the micro-batch's scalar float32 loss; runs inside the gradient
     *     collector
     * @return the unscaled loss of the micro-batch
     */
    public float backward(Supplier<NDArray> lossFn) {
        return backward(lossFn, 1.0 / accumulationSteps);
    }

    /**
     * Forward and backward of one micro-batch with an explicit loss weight, for losses that are
     * not a mean over equally sized micro-batches (e.g. token-weighted: {@code
     * tokensInMicroBatch / tokensInUpdate}).
     *
     * @param lossFn computes the micro-batch's scalar loss; runs inside the gradient collector
     * @param weight the factor the loss is multiplied by before backward
     * @return the unweighted loss of the micro-batch
     */
    public float backward(Supplier<NDArray> lossFn, double weight) {
        Checks.check(count < accumulationSteps,
                "gradient accumulation already has %s of %s micro-batches: step the optimizer and reset() first",
                count, accumulationSteps);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = lossFn.get();
            // the weight as an array of the caller's scope, not a Number: the backward reads it (see Scalars)
            try (NDArray scaled = loss.mul(Scalars.of(loss, (float) weight))) {
                collector.backward(scaled);
            }
            GradientCheckpointing.backward(); // the checkpointed decoder blocks, if any, recomputed
            count++;
            return loss.getFloat();
        }
    }

    /** Whether all micro-batches of this update have been back-propagated. */
    public boolean isComplete() {
        return count == accumulationSteps;
    }

    /** Micro-batches back-propagated since the last {@link #reset}. */
    public int count() {
        return count;
    }

    /** Micro-batches per optimizer update. */
    public int accumulationSteps() {
        return accumulationSteps;
    }

    /** Starts the next update's accumulation (call after the optimizer step and zeroGrad). */
    public void reset() {
        count = 0;
    }
}
