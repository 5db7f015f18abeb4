package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Gradient checkpointing of the decoder blocks: a training forward keeps only each block's input,
 * and the backward recomputes one block at a time from it.
 *
 * <p>DJL 0.36 has no custom autograd function, so the recomputation cannot be a node of libtorch's
 * graph. It is done in two phases instead:
 *
 * <ol>
 *   <li>Forward ({@link CausalLM} with {@link CausalLM#setGradientCheckpointing}): the embeddings
 *       with gradients; each block without gradients (grad mode off, its temporaries freed at once),
 *       keeping its input detached; the final norm and whatever the caller computes with gradients
 *       from the last block's output, a detached leaf that requires a gradient. The blocks are
 *       recorded here, per thread.
 *   <li>Backward: after {@code backward(loss)} (which fills the last leaf's gradient and the head's),
 *       {@link #backward} takes the blocks last to first: re-run the block with gradients on its
 *       stored input (now a leaf requiring a gradient), and back-propagate the upstream gradient
 *       through it with libtorch's {@code backward(output, gradient)} ({@code JniUtils.backward},
 *       a vector-Jacobian product). That adds the block's parameter gradients and leaves the
 *       gradient of its input, the upstream gradient of the block before; the embeddings' graph
 *       takes the last one.
 * </ol>
 *
 * <p>Dropout: each block runs from its own libtorch seed (drawn from the run's generator when the
 * forward starts), in the forward and again in the recomputation, so both draw the same masks.
 * Every stage's backward ({@code GradAccumulator}, PPO's minibatch update) calls {@link #backward}
 * right after back-propagating its loss, inside its gradient collector.
 */
public final class GradientCheckpointing {
    private static final ThreadLocal<Deque<Segment>> PENDING = ThreadLocal.withInitial(ArrayDeque::new);
    /** Tests: compare each recomputed block output with the one the forward kept. */
    static boolean verifyRecomputation;

    private GradientCheckpointing() {}

    /** One checkpointed forward: what its backward needs. */
    record Segment(List<DecoderLayer> layers, NDArray embeddings, boolean embeddingsTrainable, NDArray[] inputs,
            NDArray last, NDArray bias, Rope.Tables rope, boolean training, long[] seeds) {}

    static void push(Segment s) {
        PENDING.get().push(s);
    }

    /** Whether checkpointed forwards of this thread wait for their backward. */
    public static boolean pending() {
        return !PENDING.get().isEmpty();
    }

    /**
     * Back-propagates through every checkpointed forward of this thread, newest first, after the
     * loss's own backward; does nothing when there is none. Call with gradients on (inside the
     * gradient collector).
     */
    public static void backward() {
        Deque<Segment> pending = PENDING.get();
        while (!pending.isEmpty()) {
            backward(pending.pop());
        }
    }

    /** Drops the recorded forwards without back-propagating (a forward whose loss is not used). */
    public static void discard() {
        PENDING.get().clear();
    }

    private static void backward(Segment s) {
        if (s.last().isReleased()) { // its step ended without a backward (an exception): nothing to do
            return;
        }
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        NDArray upstream = null;
        try {
            upstream = JniUtils.getGradient((PtNDArray) s.last()); // null: the loss does not reach the blocks
            if (upstream == null) {
                return;
            }
            NDScope.unregister(upstream);
            for (int i = s.layers().size() - 1; i >= 0; i--) {
                NDArray input = s.inputs()[i];
                try (NDScope block = new NDScope()) {
                    block.suppressNotUsedWarning();
                    input.setRequiresGradient(true);
                    if (s.seeds() != null) {
                        JniUtils.setSeed(s.seeds()[i]);
                    }
                    NDArray out = s.layers().get(i).forward(input, s.bias(), s.rope(), null, i, s.training());
                    if (verifyRecomputation) {
                        NDArray kept = i + 1 < s.inputs().length ? s.inputs()[i + 1] : s.last();
                        if (!out.contentEquals(kept)) {
                            throw new IllegalStateException("gradient checkpointing: block " + i
                                    + " recomputed different values from the forward");
                        }
                    }
                    JniUtils.backward((PtNDArray) out, (PtNDArray) upstream, false, false);
                    NDArray grad = JniUtils.getGradient((PtNDArray) input);
                    NDScope.unregister(grad);
                    upstream.close();
                    upstream = grad;
                }
            }
            if (s.embeddingsTrainable()) { // frozen embeddings (LoRA) have no graph to reach
                JniUtils.backward((PtNDArray) s.embeddings(), (PtNDArray) upstream, false, false);
            }
        } finally {
            if (upstream != null) {
                upstream.close();
            }
            for (NDArray input : s.inputs()) {
                input.close();
            }
            JniUtils.setGradMode(gradMode);
        }
    }
}
