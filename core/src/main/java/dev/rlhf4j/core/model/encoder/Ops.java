package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;

/** The few small operations every encoder block uses. */
final class Ops {
    private Ops() {}

    /** {@code x·Wᵀ + b} with the weight stored [out, in], as nn.Linear stores it. */
    static NDArray linear(NDArray x, Parameter weight, Parameter bias) {
        return bias == null
                ? Linear.linear(x, weight.getArray()).singletonOrThrow()
                : Linear.linear(x, weight.getArray(), bias.getArray()).singletonOrThrow();
    }

    /** {@code hidden_act} / {@code pooler_hidden_act}: gelu (the exact, erf form), relu or tanh. */
    static NDArray activation(String name, NDArray x) {
        return switch (name) {
            case "gelu" -> Activation.gelu(x);
            case "relu" -> Activation.relu(x);
            case "tanh" -> Activation.tanh(x);
            default -> throw new IllegalArgumentException("unsupported activation: " + name);
        };
    }

    /** Dropout with probability {@code p} in training mode; the identity otherwise. */
    static NDArray dropout(NDArray x, float p, boolean training) {
        return training && p > 0 ? Dropout.dropout(x, p, true).singletonOrThrow() : x;
    }
}
