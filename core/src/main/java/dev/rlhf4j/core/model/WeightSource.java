package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * Where the values of a model's parameters come from when the model is built: a checkpoint, or a
 * seeded random initialisation. Parameters are named by their Hugging Face tensor names.
 */
@FunctionalInterface
public interface WeightSource {

    /**
     * Returns the values of one parameter, created in {@code manager}.
     *
     * @param name the Hugging Face tensor name, e.g. {@code transformer.h.0.attn.c_attn.weight}
     * @param shape the shape the model expects (in the checkpoint's own layout)
     */
    NDArray load(String name, Shape shape, NDManager manager);

    /**
     * GPT-2 / Llama initialisation: weights ~ N(0, std), residual output projections ~ N(0,
     * std / sqrt(2 · layers)), biases 0, norm gains 1. Each tensor draws from its own stream seeded
     * by (seed, name), so the result does not depend on construction order.
     */
    static WeightSource random(long seed, float std, int numLayers) {
        return (name, shape, manager) -> {
            int n = Math.toIntExact(shape.size());
            float[] values = new float[n];
            if (name.endsWith(".bias")) {
                return manager.create(values, shape);
            }
            boolean normGain = shape.dimension() == 1;
            if (normGain) {
                java.util.Arrays.fill(values, 1f);
                return manager.create(values, shape);
            }
            boolean residualOut = name.endsWith("c_proj.weight") || name.endsWith("o_proj.weight")
                    || name.endsWith("down_proj.weight");
            double s = residualOut ? std / Math.sqrt(2.0 * numLayers) : std;
            Random rng = new Random(seed * 1_000_003L + name.hashCode());
            for (int i = 0; i < n; i++) {
                values[i] = (float) (rng.nextGaussian() * s);
            }
            return manager.create(values, shape);
        };
    }
}
