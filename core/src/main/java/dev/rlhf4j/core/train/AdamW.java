package dev.rlhf4j.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.ops.TorchKernels;
import dev.rlhf4j.core.util.Checks;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", 2019), computing what {@code torch.optim.AdamW(fused=True)} computes ({@code
 * amsgrad=False}, {@code maximize=False}) with libtorch's own fused kernel ({@link TorchKernels#adamW}):
 * one pass over each parameter, where the per-tensor path takes about a dozen. For each parameter
 * {@code p} with gradient {@code g}, at its step {@code t} (1-based) and learning rate {@code lr}:
 *
 * <pre>
 *   p  = p * (1 - lr * weight_decay)                       (decoupled decay, decay group only)
 *   m  = lerp(m, g, 1 - beta1)       = beta1 m + (1 - beta1) g
 *   v  = beta2 v + (1 - beta2) g^2
 *   step_size = lr / (1 - beta1^t)
 *   denom     = sqrt(v) / sqrt(1 - beta2^t) + eps
 *   p  = p - step_size * m / denom
 * </pre>
 *
 * <p><b>Parameter groups.</b> Parameters for which the no-decay predicate holds get no weight
 * decay. The default, {@link #isBiasOrNorm}, matches a name that ends with {@code bias}, or
 * contains {@code norm} or {@code ln_} (case-insensitive): biases, GPT-2's {@code ln_1 / ln_2 /
 * ln_f} gains and Llama's {@code input_layernorm / post_attention_layernorm / norm} weights, the
 * same split as Hugging Face's Trainer. Embeddings and the LM head are decayed. Override it with
 * {@link Builder#optNoDecay}.
 *
 * <p><b>Use.</b> Gradients are read with libtorch's {@code tensor.grad} and the update runs in
 * place, outside any GradientCollector (DJL's PyTorch engine has grad mode off there). {@link
 * #step} does not zero the gradients; call {@link #zeroGrad} after it (and after a skipped step),
 * as with torch. A parameter that has never received a gradient is skipped, like torch's {@code
 * grad is None}; after {@link #zeroGrad} a gradient is zero rather than absent, so such a
 * parameter is then updated with a zero gradient (torch's {@code zero_grad(set_to_none=False)}).
 * Each parameter keeps its own step count, as in torch.
 *
 * <p><b>State.</b> The moments live in the optimizer's own {@link NDManager}, closed by {@link
 * #close}. {@link #save}/{@link #load} write them with DJL's {@link NDList} encoding (one file,
 * {@code optimizer.ndlist} in a checkpoint): arrays {@code exp_avg.NAME}, {@code exp_avg_sq.NAME}
 * (the parameter's dtype and shape) and {@code step.NAME} (int64 scalar) per parameter. Chosen
 * over safetensors because the file is private to rlhf4j's resume, DJL reads and writes it
 * natively and it keeps names and dtypes.
 */
public final class AdamW implements AutoCloseable {

    /** The default no-decay rule; see the class comment. */
    public static final Predicate<String> BIAS_OR_NORM = AdamW::isBiasOrNorm;

    private final List<NamedParameter> params;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean[] decays;
    private final NDManager manager;
    private final NDArray[] expAvg;
    private final NDArray[] expAvgSq;
    // each parameter's update count, a float32 scalar: the fused kernel's state_steps, which it increments
    private final NDArray[] steps;

    private AdamW(Builder b) {
        this.params = List.copyOf(Checks.notEmpty("parameters", b.params));
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        int n = params.size();
        this.decays = new boolean[n];
        this.expAvg = new NDArray[n];
        this.expAvgSq = new NDArray[n];
        this.steps = new NDArray[n];
        Device device = params.get(0).array().getDevice();
        this.manager = NDManager.newBaseManager(device);
        for (int i = 0; i < n; i++) {
            NamedParameter p = params.get(i);
            decays[i] = !b.noDecay.test(p.name());
            expAvg[i] = manager.zeros(p.array().getShape(), p.array().getDataType());
            expAvgSq[i] = manager.zeros(p.array().getShape(), p.array().getDataType());
            steps[i] = manager.create(0f);
        }
    }

    /** A builder; {@link Builder#setParameters} is required. */
    /** AdamW over {@code params} with the betas, ε and weight decay of a stage's {@code training:} block. */
    public static AdamW of(List<NamedParameter> params, dev.rlhf4j.core.config.TrainingConfig training) {
        return builder().setParameters(params).optBetas(training.adamBeta1(), training.adamBeta2())
                .optEps(training.adamEps()).optWeightDecay(training.weightDecay()).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default no-decay rule: the name ends with {@code bias}, or contains {@code norm} or
     * {@code ln_}, ignoring case.
     */
    public static boolean isBiasOrNorm(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith("bias") || lower.contains("norm") || lower.contains("ln_");
    }

    /**
     * One update of every parameter that has a gradient, with learning rate {@code lr} (usually
     * {@code schedule.lr(optimizerStep)}).
     */
    public void step(double lr) {
        Checks.nonNegative("lr", lr);
        try (NDScope scope = new NDScope()) { // the gradient handles
            scope.suppressNotUsedWarning();
            // one fused update per weight-decay group and dtype, as torch groups its fused step
            Map<String, Group> groups = new LinkedHashMap<>();
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i).array();
                NDArray g = Gradients.of(p);
                if (g == null) {
                    continue;
                }
                boolean decayed = decays[i] && weightDecay != 0;
                groups.computeIfAbsent(decayed + "/" + p.getDataType(), k -> new Group(decayed)).add(i, p, g);
            }
            for (Group group : groups.values()) {
                TorchKernels.adamW(group.params, group.grads, group.expAvgs, group.expAvgSqs, group.stepCounts, lr,
                        beta1, beta2, group.decayed ? weightDecay : 0, eps);
            }
        }
    }

    /** The arrays of one fused update: parallel lists. */
    private final class Group {
        final boolean decayed;
        final List<NDArray> params = new ArrayList<>();
        final List<NDArray> grads = new ArrayList<>();
        final List<NDArray> expAvgs = new ArrayList<>();
        final List<NDArray> expAvgSqs = new ArrayList<>();
        final List<NDArray> stepCounts = new ArrayList<>();

        Group(boolean decayed) {
            this.decayed = decayed;
        }

        void add(int i, NDArray param, NDArray grad) {
            params.add(param);
            grads.add(grad);
            expAvgs.add(expAvg[i]);
            expAvgSqs.add(expAvgSq[i]);
            stepCounts.add(steps[i]);
        }
    }

    /** Zeroes the gradients of all parameters (NaN/Inf gradients included). */
    public void zeroGrad() {
        for (NamedParameter p : params) {
            Gradients.zero(p.array());
        }
    }

    /** The parameters, in order. */
    public List<NamedParameter> parameters() {
        return params;
    }

    /** Whether the named parameter is in the weight-decay group. */
    public boolean decays(String name) {
        return decays[indexOf(name)];
    }

    /** How many updates the named parameter has received (torch's {@code state[p]["step"]}). */
    public long stepCount(String name) {
        return (long) steps[indexOf(name)].getFloat();
    }

    /** The first moment of the named parameter (live array; read, do not modify). */
    public NDArray expAvg(String name) {
        return expAvg[indexOf(name)];
    }

    /** The second moment of the named parameter (live array; read, do not modify). */
    public NDArray expAvgSq(String name) {
        return expAvgSq[indexOf(name)];
    }

    /** Writes moments and step counts to {@code file}; see the class comment for the layout. */
    public void save(Path file) throws IOException {
        try (NDManager tmp = manager.newSubManager();
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            NDList list = new NDList();
            for (int i = 0; i < params.size(); i++) {
                String name = params.get(i).name();
                NDArray m = expAvg[i].duplicate();
                m.attach(tmp);
                m.setName("exp_avg." + name);
                NDArray v = expAvgSq[i].duplicate();
                v.attach(tmp);
                v.setName("exp_avg_sq." + name);
                NDArray t = tmp.create((long) steps[i].getFloat());
                t.setName("step." + name);
                list.add(m);
                list.add(v);
                list.add(t);
            }
            list.encode(out);
        }
    }

    /**
     * Replaces moments and step counts with those saved in {@code file}. The file must hold
     * exactly this optimizer's parameters, with the same shapes and dtypes.
     *
     * @throws IOException if the file cannot be read or does not match the parameters
     */
    public void load(Path file) throws IOException {
        Map<String, NDArray> byName = new HashMap<>();
        NDManager loadManager = manager.newSubManager();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            NDList list = NDList.decode(loadManager, in);
            for (NDArray a : list) {
                byName.put(a.getName(), a);
            }
            List<NDArray[]> loaded = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                NamedParameter p = params.get(i);
                NDArray m = expect(file, byName, "exp_avg." + p.name(), p.array().getShape(), p.array().getDataType());
                NDArray v = expect(file, byName, "exp_avg_sq." + p.name(), p.array().getShape(), p.array().getDataType());
                NDArray t = expect(file, byName, "step." + p.name(), new Shape(), DataType.INT64);
                loaded.add(new NDArray[] {m, v, t});
            }
            if (!byName.isEmpty()) {
                throw new IOException(file + ": optimizer state holds arrays for parameters the model does not have: "
                        + byName.keySet().stream().sorted().toList());
            }
            for (int i = 0; i < params.size(); i++) {
                NDArray[] mvt = loaded.get(i);
                expAvg[i].close();
                expAvgSq[i].close();
                mvt[0].attach(manager);
                mvt[1].attach(manager);
                expAvg[i] = mvt[0];
                expAvgSq[i] = mvt[1];
                steps[i].close();
                steps[i] = manager.create((float) mvt[2].getLong());
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException(file + ": not a readable optimizer state (" + e.getMessage() + ")", e);
        } finally {
            loadManager.close();
        }
    }

    private static NDArray expect(Path file, Map<String, NDArray> byName, String key, Shape shape, DataType dtype)
            throws IOException {
        NDArray a = byName.remove(key);
        if (a == null) {
            throw new IOException(file + ": optimizer state has no array " + key);
        }
        if (!a.getShape().equals(shape) || a.getDataType() != dtype) {
            throw new IOException(String.format("%s: optimizer state array %s is %s %s, but the parameter needs %s %s",
                    file, key, a.getDataType(), a.getShape(), dtype, shape));
        }
        return a;
    }

    private int indexOf(String name) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no parameter named " + name);
    }

    /** Releases the moments. */
    @Override
    public void close() {
        manager.close();
    }

    /** Builds an {@link AdamW}; defaults are torch's. */
    public static final class Builder {
        private List<NamedParameter> params;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay = 0.01;
        private Predicate<String> noDecay = BIAS_OR_NORM;

        private Builder() {}

        /** The parameters to optimise (required), e.g. {@link NamedParameter#trainable}. */
        public Builder setParameters(List<NamedParameter> params) {
            this.params = Checks.notNull("parameters", params);
            return this;
        }

        /** Adam's {@code (beta1, beta2)}; default {@code (0.9, 0.999)}. */
        public Builder optBetas(double beta1, double beta2) {
            this.beta1 = Checks.inHalfOpenRange("adam_beta1", beta1, 0, 1);
            this.beta2 = Checks.inHalfOpenRange("adam_beta2", beta2, 0, 1);
            return this;
        }

        /** Adam's epsilon, added to the denominator; default {@code 1e-8}. */
        public Builder optEps(double eps) {
            this.eps = Checks.nonNegative("adam_eps", eps);
            return this;
        }

        /** Decoupled weight decay of the decay group; default {@code 0.01} (torch's). */
        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = Checks.nonNegative("weight_decay", weightDecay);
            return this;
        }

        /** Which parameter names get no weight decay; default {@link AdamW#BIAS_OR_NORM}. */
        public Builder optNoDecay(Predicate<String> noDecay) {
            this.noDecay = Checks.notNull("no_decay", noDecay);
            return this;
        }

        /** The optimizer, with zero moments. */
        public AdamW build() {
            Checks.notNull("parameters", params);
            return new AdamW(this);
        }
    }
}
