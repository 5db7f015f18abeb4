package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.checkpoint.DType;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.NamedTensor;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.checkpoint.SafetensorsWriter;
import dev.rlhf4j.core.model.Norm;
import dev.rlhf4j.core.model.ParamFactory;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A BERT, RoBERTa or DeBERTa-v2/v3 {@code *ForSequenceClassification}: embeddings, post-LN encoder
 * layers, and the family's head on the first token ({@link ClassifierHead}).
 *
 * <p>Dimensions: B batch, T tokens, C width, L labels.
 *
 * <p>Parameters carry their Hugging Face tensor names ({@code bert.encoder.layer.0.attention.self.query.weight},
 * {@code deberta.encoder.rel_embeddings.weight}, {@code classifier.out_proj.weight}, ...), so
 * loading and saving are name-for-name copies. Padding may be on the right only (positions count
 * from the first token; the score is read at token 0); padded keys are never attended to, so
 * padding never changes the logits of a row.
 *
 * <p>Lifetimes: parameters live in a sub-manager of the manager given at construction, closed by
 * {@link #close}; {@link #logits} results live in the manager of {@code ids}.
 */
public final class EncoderClassifier implements AutoCloseable {
    private static final float MASKED = -1e9f;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EncoderConfig config;
    private final NDManager manager;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Embeddings embeddings;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final Parameter relEmbeddings; // DeBERTa with relative attention
    private final Norm relNorm; // DeBERTa with norm_rel_ebd layer_norm
    private final ClassifierHead head;

    /**
     * Builds the model with its parameters taken from {@code weights}.
     *
     * @param manager the parent manager; the parameters live in a sub-manager closed by {@link #close()}
     */
    public EncoderClassifier(EncoderConfig config, NDManager manager, WeightSource weights) {
        this.config = config;
        this.manager = manager.newSubManager();
        try {
            ParamFactory params = new ParamFactory(weights, this.manager, p -> parameters.put(p.getName(), p));
            String base = config.family().prefix();
            embeddings = new Embeddings(params, base + ".embeddings", config);
            for (int i = 0; i < config.numLayers(); i++) {
                layers.add(new EncoderLayer(params, base + ".encoder.layer." + i, config));
            }
            boolean relative = config.family() == EncoderConfig.Family.DEBERTA_V2 && config.relativeAttention();
            relEmbeddings = relative ? params.create(base + ".encoder.rel_embeddings.weight",
                    new Shape(2L * config.attentionSpan(), config.hiddenSize())) : null;
            relNorm = relative && config.normRelEmbeddings()
                    ? new Norm(params, base + ".encoder.LayerNorm", config.hiddenSize(), true, config.normEps())
                    : null;
            head = new ClassifierHead(params, config);
        } catch (RuntimeException e) {
            this.manager.close();
            throw e;
        }
    }

    /**
     * Loads a {@code *ForSequenceClassification} directory. Every tensor must be present and
     * finite, with the shape config.json implies; errors name the directory and the tensor.
     */
    public static EncoderClassifier load(Path dir, NDManager manager) {
        return load(dir, manager, -1);
    }

    /**
     * Loads an encoder directory; with {@code headSeed >= 0} a head missing from the checkpoint (a
     * pretrained {@code BertModel} / {@code *ForMaskedLM} directory) is initialised as transformers
     * initialises it: weights N(0, {@code initializer_range}) drawn from {@code Random(headSeed)},
     * biases 0. The trunk may also be stored without its family prefix ({@code BertModel}'s layout).
     */
    public static EncoderClassifier load(Path dir, NDManager manager, long headSeed) {
        return load(dir, EncoderConfig.read(dir), manager, headSeed);
    }

    /** {@link #load(Path, NDManager, long)} with the config given (one changed from the directory's, say). */
    public static EncoderClassifier load(Path dir, EncoderConfig config, NDManager manager, long headSeed) {
        Set<String> headNames = Set.copyOf(ClassifierHead.tensorNames(config));
        try (SafetensorsCheckpoint checkpoint = ModelDirectory.open(dir)) {
            WeightSource stored = ModelDirectory.weights(checkpoint, dir);
            String prefix = config.family().prefix() + ".";
            return new EncoderClassifier(config, manager, (name, shape, m) -> {
                if (checkpoint.contains(name)) {
                    return stored.load(name, shape, m);
                }
                if (name.startsWith(prefix) && checkpoint.contains(name.substring(prefix.length()))) {
                    return stored.load(name.substring(prefix.length()), shape, m);
                }
                if (headSeed >= 0 && headNames.contains(name)) {
                    return freshHead(name, shape, m, config.initializerRange(), headSeed);
                }
                return stored.load(name, shape, m); // fails naming the tensor and the directory
            });
        }
    }

    private static NDArray freshHead(String name, Shape shape, NDManager m, float std, long seed) {
        float[] values = new float[Math.toIntExact(shape.size())];
        if (!name.endsWith(".bias")) {
            Random rng = new Random(seed * 1_000_003L + name.hashCode());
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (rng.nextGaussian() * std);
            }
        }
        return m.create(values, shape);
    }

    /** Whether {@code dir}'s checkpoint holds the whole classification head (else {@link #load(Path, NDManager, long)} makes one). */
    public static boolean hasHead(Path dir) {
        EncoderConfig config = EncoderConfig.read(dir);
        try (SafetensorsCheckpoint checkpoint = ModelDirectory.open(dir)) {
            return ClassifierHead.tensorNames(config).stream().allMatch(checkpoint::contains);
        }
    }

    public EncoderConfig config() {
        return config;
    }

    /** The manager that owns the parameters. */
    public NDManager getManager() {
        return manager;
    }

    /** Parameters by Hugging Face name, in checkpoint order (trunk, then head). */
    public Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Freezes (or unfreezes) every parameter: frozen models hold no gradient buffers. */
    public void setTrainable(boolean trainable) {
        parameters.values().forEach(p -> p.freeze(!trainable));
    }

    /** What every layer reads besides its input: the key mask and DeBERTa's relative-position inputs. */
    record Context(NDArray bias, NDArray rel, NDArray c2pIndex, NDArray p2cIndex) {}

    /**
     * The classifier's logits.
     *
     * @param ids (B, T) token ids, right-padded
     * @param mask (B, T) 1 on real tokens, 0 on padding
     * @param types (B, T) token type ids, or null for all 0 (one text per row)
     * @param training dropout on
     * @return (B, L) float32
     */
    public NDArray logits(NDArray ids, NDArray mask, NDArray types, boolean training) {
        NDManager m = ids.getManager();
        long b = ids.getShape().get(0);
        int t = Math.toIntExact(ids.getShape().get(1));
        NDArray real = mask.toType(DataType.FLOAT32, false); // (B, T)
        NDArray bias = real.sub(1f).mul(-MASKED).reshape(b, 1, 1, t); // (B, 1, 1, T): 0 real, -1e9 padding
        NDArray rel = null;
        NDArray c2p = null;
        NDArray p2c = null;
        if (relEmbeddings != null) {
            rel = relNorm != null ? relNorm.forward(relEmbeddings.getArray()) : relEmbeddings.getArray(); // (2S, C)
            long[][] idx = RelativePositions.indices(t, config.attentionSpan(), config.positionBuckets(),
                    config.maxRelativePositions());
            Shape full = new Shape(b, config.numHeads(), t, t);
            c2p = m.create(idx[0], new Shape(1, 1, t, t)).broadcast(full);
            p2c = m.create(idx[1], new Shape(1, 1, t, t)).broadcast(full);
        }
        Context ctx = new Context(bias, rel, c2p, p2c);
        NDArray x = embeddings.forward(ids, mask, types, training); // (B, T, C)
        boolean scoped = !JniUtils.isGradMode();
        for (int i = 0; i < layers.size(); i++) {
            if (!scoped) {
                x = layers.get(i).forward(x, ctx, training);
                continue;
            }
            // no graph is recorded: free each layer's temporaries (its (B, H, T, T) attention scores
            // among them) once its output exists, and that output once the next layer has read it
            NDArray next;
            try (NDScope layer = new NDScope()) {
                layer.suppressNotUsedWarning();
                next = layers.get(i).forward(x, ctx, training);
                NDScope.unregister(next);
            }
            if (i > 0) {
                x.close();
            }
            x = next;
        }
        return head.forward(x, training); // (B, L)
    }

    /**
     * Saves a Hugging Face directory transformers loads as this family's
     * {@code *ForSequenceClassification} (written atomically, {@link ModelDirectory#writeAtomically}):
     * every parameter in the config's dtype, config.json with {@code extraConfig} merged in, and the
     * tokenizer's files.
     *
     * @param tokenizer its files are copied; may be null
     */
    public void save(Path dir, Map<String, Object> extraConfig, Tokenizer tokenizer) {
        DType dtype = switch (config.dtype()) {
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            default -> DType.F32;
        };
        List<NamedTensor> tensors = new ArrayList<>();
        parameters.forEach((name, p) -> tensors.add(new NamedTensor(name, dtype, p.getArray().getShape().getShape(),
                p.getArray().toFloatArray())));
        ObjectNode json = config.toJson();
        extraConfig.forEach((k, v) -> json.set(k, JSON.valueToTree(v)));
        ModelDirectory.writeAtomically(dir, tmp -> {
            SafetensorsWriter.writeSharded(tmp, tensors, SafetensorsWriter.TRANSFORMERS_METADATA,
                    ModelDirectory.MAX_SHARD_BYTES);
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("config.json").toFile(), json);
            if (tokenizer != null) {
                ModelDirectory.copyTokenizerFiles(tokenizer.directory(), tmp);
            }
        });
    }

    @Override
    public void close() {
        manager.close();
    }
}
