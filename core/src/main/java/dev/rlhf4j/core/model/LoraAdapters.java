package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rlhf4j.core.config.LoraConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The LoRA adapters of one {@link CausalLM} (see {@link CausalLM#addLora}), and the switch that
 * turns them off: with the adapters disabled the model computes exactly its base model, so PPO's
 * reference (and any frozen copy of the starting point) is the same weights, not a second copy.
 *
 * <p>Parameters are named {@code <module>.lora_A.weight} / {@code <module>.lora_B.weight} after the
 * Hugging Face module they adapt ({@code model.layers.0.self_attn.q_proj.lora_A.weight}); PEFT's
 * file prefixes them with {@code base_model.model.}.
 */
public final class LoraAdapters {
    private final LoraConfig config;
    private final double scaling;
    private final boolean fanInFanOut;
    private final List<String> modules = new ArrayList<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final List<Projection> adapted = new ArrayList<>();
    private volatile boolean enabled = true;
    private Path baseDirectory; // where the base weights came from, for the adapter's config

    LoraAdapters(LoraConfig config, List<Projection> projections, WeightSource weights, NDManager manager,
            Consumer<Parameter> register) {
        this.config = config;
        this.scaling = config.scaling();
        boolean conv1d = false;
        for (Projection p : projections) {
            if (!targets(config, p.module())) {
                continue;
            }
            conv1d |= p.conv1d();
            Parameter a = create(p.module() + ".lora_A.weight", new Shape(config.r(), p.inFeatures()), weights,
                    manager);
            Parameter b = create(p.module() + ".lora_B.weight", new Shape(p.outFeatures(), config.r()), weights,
                    manager);
            p.setLora(new LoraLayer(this, a, b));
            register.accept(a);
            register.accept(b);
            parameters.put(a.getName(), a);
            parameters.put(b.getName(), b);
            modules.add(p.module());
            adapted.add(p);
        }
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("lora.target_modules " + config.targetModules()
                    + " matches no module of this model (its projections are named like "
                    + (projections.isEmpty() ? "?" : projections.get(0).module()) + ")");
        }
        this.fanInFanOut = conv1d;
    }

    /**
     * Whether PEFT would wrap {@code module}: {@code all-linear} wraps every projection (the LM
     * head is not one); a name matches itself or, as a suffix after a dot, a longer name.
     */
    static boolean targets(LoraConfig config, String module) {
        List<String> targets = config.targetModules();
        if (targets == null) {
            String last = module.substring(module.lastIndexOf('.') + 1);
            return last.equals("q_proj") || last.equals("v_proj") || last.equals("c_attn");
        }
        for (String t : targets) {
            if (t.equals(LoraConfig.ALL_LINEAR) || module.equals(t) || module.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    private static Parameter create(String name, Shape shape, WeightSource weights, NDManager manager) {
        NDArray array = weights.load(name, shape, manager);
        if (!array.getShape().equals(shape)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + array.getShape()
                    + "; the adapter's rank and the model imply " + shape);
        }
        array.setRequiresGradient(true);
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(array).build();
    }

    /**
     * PEFT's initialisation: A kaiming-uniform with a = √5 (U(−1/√in, 1/√in)), B zeros, so a new
     * adapter changes nothing. Each A draws from its own stream seeded by (seed, name).
     */
    public static WeightSource initial(long seed) {
        return (name, shape, manager) -> {
            int n = Math.toIntExact(shape.size());
            float[] values = new float[n];
            if (name.endsWith(".lora_A.weight")) {
                double bound = 1.0 / Math.sqrt(shape.get(1));
                Random rng = new Random(seed * 1_000_003L + name.hashCode());
                for (int i = 0; i < n; i++) {
                    values[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
            }
            return manager.create(values, shape);
        };
    }

    public LoraConfig config() {
        return config;
    }

    /** alpha / r (alpha / √r with rslora). */
    public double scaling() {
        return scaling;
    }

    /** True when the adapted modules are GPT-2 Conv1D layers (PEFT's {@code fan_in_fan_out}). */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** The full module names that carry an adapter, in model order (PEFT's resolved {@code target_modules}). */
    public List<String> modules() {
        return Collections.unmodifiableList(modules);
    }

    /** The adapters' A and B matrices by name, in model order. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** The directory of the base model, written as the adapter's {@code base_model_name_or_path}; null if unknown. */
    public Path baseDirectory() {
        return baseDirectory;
    }

    public void setBaseDirectory(Path baseDirectory) {
        this.baseDirectory = baseDirectory;
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Turns the adapters on or off (off: the model is its base model). */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Disables the adapters until the returned handle is closed: {@code try (var base =
     * adapters.disabled()) { referenceLogProbs = ... }}.
     */
    public Disabled disabled() {
        boolean before = enabled;
        enabled = false;
        return () -> enabled = before;
    }

    /** A scope with the adapters off. */
    @FunctionalInterface
    public interface Disabled extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * The merged base weights {@code W + scaling·B·A} of every adapted module (weight tensor name →
     * values in the checkpoint's layout), created in {@code manager}; the model is not changed.
     */
    public Map<String, NDArray> mergedWeights(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Projection p : adapted) {
            NDArray w = p.weight().getArray();
            try (NDScope scope = new NDScope()) { // the product, freed here
                scope.suppressNotUsedWarning();
                NDArray merged = w.duplicate().addi(p.lora().deltaWeight(p.conv1d()));
                NDScope.unregister(merged);
                merged.attach(manager);
                out.put(p.module() + ".weight", merged);
            }
        }
        return out;
    }
}
