package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import dev.rlhf4j.core.ops.Scalars;

/**
 * The adapter of one projection: {@code scaling · B(A(dropout(x)))} with A (r, in), B (out, r),
 * as PEFT's {@code LoraLayer} with {@code bias="none"}. Whether it is applied is decided by the
 * model's {@link LoraAdapters} switch.
 */
final class LoraLayer {
    private final LoraAdapters owner;
    private final Parameter a;
    private final Parameter b;

    LoraLayer(LoraAdapters owner, Parameter a, Parameter b) {
        this.owner = owner;
        this.a = a;
        this.b = b;
    }

    Parameter a() {
        return a;
    }

    Parameter b() {
        return b;
    }

    boolean enabled() {
        return owner.isEnabled();
    }

    /** (…, in) → (…, out), the update added to the base projection. */
    NDArray delta(NDArray x, boolean training, boolean inference) {
        double p = owner.config().dropout();
        NDArray in = training && p > 0 ? Dropout.dropout(x, (float) p, true).singletonOrThrow() : x;
        NDArray low = Linear.linear(in, a.getArray()).singletonOrThrow(); // (…, r)
        NDArray up = Linear.linear(low, b.getArray()).singletonOrThrow(); // (…, out)
        if (inference) {
            low.close();
            return up.muli((float) owner.scaling());
        }
        // the scale as an array of the step's scope: mul's backward reads it (see Scalars)
        NDArray scaled = up.mul(Scalars.of(up, (float) owner.scaling()));
        // the graph keeps what its backward reads; the handles here would keep three more
        // activations per projection alive until the step ends
        up.close();
        low.close();
        if (in != x) {
            in.close();
        }
        return scaled;
    }

    /**
     * The merged update {@code scaling · B·A} in the base weight's layout: [out, in], or [in, out]
     * for GPT-2's Conv1D (PEFT's {@code fan_in_fan_out} transpose).
     */
    NDArray deltaWeight(boolean conv1d) {
        NDArray delta = b.getArray().matMul(a.getArray()).mul((float) owner.scaling()); // (out, in)
        return conv1d ? delta.transpose() : delta;
    }
}
