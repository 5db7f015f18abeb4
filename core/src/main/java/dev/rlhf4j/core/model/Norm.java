package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import dev.rlhf4j.core.ops.Scalars;

/**
 * LayerNorm (GPT-2: gain and bias) or RMSNorm (Llama: {@code x · rsqrt(mean(x²) + eps) · gain},
 * computed in float32 as transformers does).
 *
 * <p>{@code rsqrt} is {@code 1 / sqrt(·)}: libtorch's CPU rsqrt computes exactly that, so the
 * result equals transformers' bit for bit. DJL has no rsqrt, and {@code pow} with a tensor exponent
 * (the only pow DJL offers that is safe under autograd, see {@link Scalars}) misses libtorch's
 * scalar-exponent fast path and runs {@code std::pow} per element, several times slower.
 */
public final class Norm {
    private final Parameter weight;
    private final Parameter bias; // null for RMSNorm
    private final float eps;

    public Norm(ParamFactory params, String prefix, int width, boolean layerNorm, float eps) {
        this.weight = params.create(prefix + ".weight", new Shape(width));
        this.bias = layerNorm ? params.create(prefix + ".bias", new Shape(width)) : null;
        this.eps = eps;
    }

    /** (B, T, C) → (B, T, C). */
    public NDArray forward(NDArray x) {
        if (bias != null) {
            return LayerNorm.layerNorm(x, new Shape(x.getShape().get(x.getShape().dimension() - 1)),
                    weight.getArray(), bias.getArray(), eps).singletonOrThrow();
        }
        NDArray variance = x.square().mean(new int[] {-1}, true);
        // 1 as an array of the step's scope: the backward of 1 / s reads it (see Scalars)
        NDArray rstd = Scalars.of(x, 1f).div(variance.add(eps).sqrt()); // (B, T, 1)
        return x.mul(rstd).mul(weight.getArray());
    }
}
