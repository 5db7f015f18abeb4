package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;

/**
 * One linear projection of the decoder ({@code q_proj}, {@code c_attn}, ...), named by its Hugging
 * Face module name, with an optional LoRA adapter on top: {@code W x + b + (alpha/r)·B(A(drop(x)))}
 * while the adapters are enabled, as PEFT's {@code lora.Linear} computes it.
 *
 * <p>Layouts: Llama stores {@code nn.Linear} weights [out, in] ({@code y = x Wᵀ}); GPT-2 stores
 * {@code Conv1D} weights [in, out] ({@code y = x W}, PEFT's {@code fan_in_fan_out}). The adapter's
 * A is (r, in) and B (out, r) in both.
 */
final class Projection {
    private final String module;
    private final Parameter weight;
    private final Parameter bias; // null when the module has none
    private final boolean conv1d;
    private LoraLayer lora;

    private Projection(String module, Parameter weight, Parameter bias, boolean conv1d) {
        this.module = module;
        this.weight = weight;
        this.bias = bias;
        this.conv1d = conv1d;
    }

    /** A projection of {@code in → out} features, in the family's layout. */
    static Projection create(ParamFactory params, String module, long in, long out, boolean withBias,
            boolean conv1d) {
        Parameter w = params.create(module + ".weight", conv1d ? new Shape(in, out) : new Shape(out, in));
        Parameter b = withBias ? params.create(module + ".bias", new Shape(out)) : null;
        Projection p = new Projection(module, w, b, conv1d);
        params.registerProjection(p);
        return p;
    }

    String module() {
        return module;
    }

    Parameter weight() {
        return weight;
    }

    boolean conv1d() {
        return conv1d;
    }

    long inFeatures() {
        return weight.getArray().getShape().get(conv1d ? 0 : 1);
    }

    long outFeatures() {
        return weight.getArray().getShape().get(conv1d ? 1 : 0);
    }

    LoraLayer lora() {
        return lora;
    }

    void setLora(LoraLayer lora) {
        this.lora = lora;
    }

    /**
     * (…, in) → (…, out). Without gradients ({@code inference}) the bias and the adapter's update
     * are added in place (the same bits); with gradients the handles of the pre-bias product and of
     * the two terms are closed once added (add's backward reads neither input), so a training step
     * holds one activation per projection, not three.
     */
    NDArray apply(NDArray x, boolean training, boolean inference) {
        NDArray y;
        if (!conv1d) {
            y = bias == null ? Linear.linear(x, weight.getArray()).singletonOrThrow()
                    : Linear.linear(x, weight.getArray(), bias.getArray()).singletonOrThrow();
        } else {
            y = x.matMul(weight.getArray());
            if (bias != null) {
                if (inference) {
                    y.addi(bias.getArray());
                } else {
                    NDArray biased = y.add(bias.getArray());
                    y.close();
                    y = biased;
                }
            }
        }
        if (lora == null || !lora.enabled()) {
            return y;
        }
        NDArray delta = lora.delta(x, training, inference);
        if (inference) {
            y.addi(delta);
            delta.close();
            return y;
        }
        NDArray sum = y.add(delta);
        y.close(); // add's backward reads neither input
        delta.close();
        return sum;
    }
}
