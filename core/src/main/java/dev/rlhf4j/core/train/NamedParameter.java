package dev.rlhf4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rlhf4j.core.util.Checks;
import java.util.ArrayList;
import java.util.List;

/**
 * A trainable tensor and its name (for models: the Hugging Face tensor name, e.g. {@code
 * transformer.h.0.attn.c_attn.weight}). The optimizer, clipping and accumulation all work on a
 * {@code List<NamedParameter>}.
 *
 * <p>The array is captured when the list is built: build it after the model's weights are
 * initialised or loaded, and again if the model replaces a parameter's array.
 *
 * @param name the parameter's name; decides its weight-decay group (see {@link AdamW})
 * @param array the parameter itself, which must have gradients attached
 */
public record NamedParameter(String name, NDArray array) {

    public NamedParameter {
        Checks.notBlank("parameter name", name);
        Checks.notNull("parameter array of " + name, array);
    }

    /**
     * The trainable parameters of a block, in the block's order, as returned by {@code
     * Block.getParameters()}. Frozen parameters ({@code requiresGradient() == false}) are left out.
     *
     * @param parameters named DJL parameters; each must be initialised
     * @return the trainable ones
     */
    public static List<NamedParameter> trainable(Iterable<Pair<String, Parameter>> parameters) {
        List<NamedParameter> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            Parameter parameter = p.getValue();
            if (!parameter.requiresGradient()) {
                continue;
            }
            Checks.check(parameter.isInitialized(),
                    "parameter %s is not initialised: initialise or load the model before building the optimizer",
                    p.getKey());
            out.add(new NamedParameter(p.getKey(), parameter.getArray()));
        }
        return List.copyOf(out);
    }
}
