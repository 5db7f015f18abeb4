package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only language model (GPT-2 or Llama family) as a DJL block.
 *
 * <p>Dimensions: B batch, T tokens in this call, S all positions including cached ones, C model
 * width, V vocabulary.
 *
 * <p>Parameters carry their Hugging Face tensor names ({@code transformer.h.0.attn.c_attn.weight},
 * {@code model.layers.0.self_attn.q_proj.weight}, ...) and layouts, so loading and saving a
 * checkpoint is a name-for-name copy. {@link #getParameters()} lists them in that order.
 *
 * <p>Padding: any mix of left and right padding is correct; a padded key is never attended to,
 * so padding never changes the logits of real tokens. With left padding, pass positions that
 * count real tokens only ({@link #positionsFromMask}), as transformers' {@code generate} does.
 *
 * <p>Packing: with segment ids, one row holds several sequences that never attend to each other;
 * with positions restarting at 0 in each, every sequence gets the logits it gets alone.
 */
public final class CausalLM extends AbstractBlock implements AutoCloseable {
    private static final float MASKED = -1e9f;
    /** Working-set bound of a chunk of a forward without gradients; see {@link #rowsPerChunk}. Tests lower it. */
    static long chunkBytes = 16L << 20;

    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding; // GPT-2 only
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final Norm finalNorm;
    private final Parameter lmHead; // null when tied to the token embedding
    private final Rope rope; // Llama family only
    private final List<Projection> projections;
    private LoraAdapters lora; // null without adapters
    private boolean gradientCheckpointing;

    /**
     * Builds the model with its parameters taken from {@code weights}.
     *
     * @param manager the parent manager; the model's parameters live in a sub-manager closed by {@link #close()}
     * @param withLmHead false for a trunk only (reward models and critics put their own head on it)
     */
    public CausalLM(ModelConfig config, NDManager manager, WeightSource weights, boolean withLmHead) {
        this.config = config;
        this.manager = manager.newSubManager();
        ParamFactory params = new ParamFactory(weights, this.manager, p -> {
            parameters.put(p.getName(), p);
            addParameter(p);
        });
        boolean gpt2 = config.family() == ModelConfig.Family.GPT2;
        String base = gpt2 ? "transformer" : "model";
        int c = config.hiddenSize();
        tokenEmbedding = params.create(base + (gpt2 ? ".wte.weight" : ".embed_tokens.weight"),
                new Shape(config.vocabSize(), c));
        positionEmbedding = gpt2 ? params.create("transformer.wpe.weight", new Shape(config.maxPositions(), c)) : null;
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(new DecoderLayer(params, base + (gpt2 ? ".h." : ".layers.") + i, config));
        }
        finalNorm = new Norm(params, base + (gpt2 ? ".ln_f" : ".norm"), c, gpt2, config.normEps());
        lmHead = withLmHead && !config.tieEmbeddings()
                ? params.create("lm_head.weight", new Shape(config.vocabSize(), c))
                : null;
        rope = gpt2 ? null : new Rope(config.headDim(), config.ropeTheta());
        projections = params.projections();
    }

    public ModelConfig config() {
        return config;
    }

    /** The manager that owns the parameters; per-step scopes are its sub-managers. */
    public NDManager getManager() {
        return manager;
    }

    /** Parameters by Hugging Face name, in checkpoint order. */
    public Map<String, Parameter> namedParameters() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    /** Freezes (or unfreezes) every parameter: frozen models hold no gradient buffers. */
    public void setTrainable(boolean trainable) {
        parameters.values().forEach(p -> p.freeze(!trainable));
    }

    /**
     * Adds LoRA adapters (PEFT's {@code LoraLayer}) to the projections {@code config} targets, their
     * A and B taken from {@code weights} ({@link LoraAdapters#initial} for new ones, an adapter file
     * to resume or load). The adapters are trainable parameters of this block; freeze the base
     * weights with {@link #setTrainable}{@code (false)} to train the adapters alone.
     *
     * @throws IllegalStateException if the model has adapters already
     */
    public LoraAdapters addLora(dev.rlhf4j.core.config.LoraConfig config, WeightSource weights) {
        if (lora != null) {
            throw new IllegalStateException("the model has LoRA adapters already");
        }
        lora = new LoraAdapters(config, projections, weights, manager, this::addParameter);
        return lora;
    }

    /** The model's LoRA adapters, or null when it has none. */
    public LoraAdapters lora() {
        return lora;
    }

    /**
     * Turns gradient checkpointing on or off ({@link GradientCheckpointing}): a forward with
     * gradients keeps only each decoder block's input, and the stage's backward recomputes the
     * blocks one at a time. Less memory (no block's activations kept), one more forward's time.
     */
    public void setGradientCheckpointing(boolean on) {
        this.gradientCheckpointing = on;
    }

    public boolean gradientCheckpointing() {
        return gradientCheckpointing;
    }

    /** Logits and last hidden states; see {@link #hidden}. */
    public ModelOutput forward(NDArray ids, NDArray attentionMask, NDArray positions, KvCache cache,
            boolean training) {
        return forward(ids, attentionMask, positions, null, cache, training);
    }

    /** Logits and last hidden states of packed rows; see {@link #hidden(NDArray, NDArray, NDArray, NDArray, KvCache, boolean)}. */
    public ModelOutput forward(NDArray ids, NDArray attentionMask, NDArray positions, NDArray segmentIds,
            KvCache cache, boolean training) {
        NDArray hidden = hidden(ids, attentionMask, positions, segmentIds, cache, training);
        return new ModelOutput(logits(hidden), hidden);
    }

    /**
     * The last hidden states after the final norm.
     *
     * @param ids (B, T) token ids
     * @param attentionMask (B, S) 1 for real tokens, 0 for padding (S = cached + T); null: all real
     * @param positions (B, T) position ids; null: cached length + 0..T-1
     * @param cache keys/values of earlier positions, extended in place; null for a full forward
     * @param training dropout on
     * @return (B, T, C)
     */
    public NDArray hidden(NDArray ids, NDArray attentionMask, NDArray positions, KvCache cache, boolean training) {
        return hidden(ids, attentionMask, positions, null, cache, training);
    }

    /**
     * The last hidden states of rows that may pack several sequences: a query attends only to keys
     * of its own segment, so packed sequences never see each other. Pass positions that restart at
     * 0 in each segment; then every sequence's hidden states equal those it gets alone.
     *
     * @param segmentIds (B, S) any integer ids, equal within one packed sequence; null: one
     *     segment per row (the other overload)
     * @see #hidden(NDArray, NDArray, NDArray, KvCache, boolean)
     */
    public NDArray hidden(NDArray ids, NDArray attentionMask, NDArray positions, NDArray segmentIds, KvCache cache,
            boolean training) {
        if (!Inference.active()) {
            return hiddenStates(ids, attentionMask, positions, segmentIds, cache, training, false);
        }
        // no graph is recorded: free every temporary as soon as it has been used, as PyTorch does
        long b = ids.getShape().get(0);
        int rows = cache == null ? rowsPerChunk(ids.getShape().get(1)) : Integer.MAX_VALUE;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out;
            if (b <= rows) {
                out = hiddenStates(ids, attentionMask, positions, segmentIds, cache, training, true);
            } else {
                NDList chunks = new NDList();
                for (long from = 0; from < b; from += rows) {
                    try (NDScope chunk = new NDScope()) { // its mask, positions and embeddings too
                        chunk.suppressNotUsedWarning();
                        NDIndex r = new NDIndex("{}:{}", from, Math.min(b, from + rows));
                        NDArray h = hiddenStates(ids.get(r), attentionMask == null ? null : attentionMask.get(r),
                                positions == null ? null : positions.get(r),
                                segmentIds == null ? null : segmentIds.get(r), null, training, true);
                        NDScope.unregister(h);
                        chunks.add(h);
                    }
                }
                out = NDArrays.concat(chunks, 0); // (B, T, C)
                chunks.close();
            }
            NDScope.unregister(out);
            return out;
        }
    }

    /**
     * Rows per chunk of a forward without gradients: as many as keep its largest temporary (the
     * (rows, H, T, T) attention scores, or the (rows, T, I) MLP activation) within 16 MiB. Below glibc's largest mmap threshold (32 MiB) a freed block is reused
     * by the next allocation instead of being returned to the kernel, so the pass does not pay a
     * page fault for every page of every temporary; the results do not depend on the chunking
     * (rows never interact), apart from float rounding of the batched matrix products.
     */
    private int rowsPerChunk(long t) {
        long perRow = 4L * Math.max((long) config.numHeads() * t * t,
                t * Math.max(config.intermediateSize(), 3L * config.hiddenSize()));
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, chunkBytes / perRow));
    }

    /**
     * The forward pass. With {@code scoped} each layer runs in a scope of its own that keeps only
     * the layer's output, and that output is closed once the next layer has read it: without
     * gradients nothing needs the temporaries afterwards, and keeping them until the caller's
     * manager closes holds every layer's attention probabilities at once (several GB when scoring
     * 64 sequences of 256 tokens), which costs page faults as well as memory. With gradients the
     * graph keeps what the backward needs, and scalars made with {@link
     * dev.rlhf4j.core.ops.Scalars} must live until the backward, so nothing is closed early.
     */
    private NDArray hiddenStates(NDArray ids, NDArray attentionMask, NDArray positions, NDArray segmentIds,
            KvCache cache, boolean training, boolean scoped) {
        NDManager m = ids.getManager();
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        long past = cache == null ? 0 : cache.length();
        if (positions == null) {
            positions = m.arange(past, past + t, 1, DataType.INT64).expandDims(0).broadcast(b, t);
        }
        NDArray bias = attentionBias(m, attentionMask, segmentIds, cache, b, t, past);
        NDArray x = Embedding.embedding(ids.toType(DataType.INT64, false), tokenEmbedding.getArray(),
                SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        Rope.Tables tables = null;
        if (positionEmbedding != null) {
            checkPositions(positions, past + t);
            x = x.add(Embedding.embedding(positions.toType(DataType.INT64, false), positionEmbedding.getArray(),
                    SparseFormat.DENSE).singletonOrThrow());
            if (training && config.dropout() > 0) {
                x = Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
            }
        } else {
            tables = rope.tables(positions);
        }
        if (gradientCheckpointing && !scoped && cache == null && !layers.isEmpty()) {
            return checkpointed(m, x, bias, tables, training);
        }
        for (int i = 0; i < layers.size(); i++) {
            if (!scoped) {
                x = layers.get(i).forward(x, bias, tables, cache, i, training);
                continue;
            }
            NDArray next;
            try (NDScope layer = new NDScope()) {
                layer.suppressNotUsedWarning();
                next = layers.get(i).forward(x, bias, tables, cache, i, training);
                NDScope.unregister(next);
            }
            if (i > 0) {
                x.close(); // the previous layer's output, unregistered from its own scope
            }
            x = next;
        }
        NDArray out = finalNorm.forward(x);
        if (scoped && layers.size() > 0) {
            x.close();
        }
        return out;
    }

    /**
     * The blocks without gradients, keeping each block's input ({@link GradientCheckpointing}); the
     * final norm with gradients from the last block's output, a detached leaf. With dropout each
     * block gets its own seed, drawn here from libtorch's generator, for the forward and its
     * recomputation alike.
     */
    private NDArray checkpointed(NDManager m, NDArray embeddings, NDArray bias, Rope.Tables tables, boolean training) {
        int n = layers.size();
        long[] seeds = null;
        if (training && config.dropout() > 0) {
            long first = m.randomInteger(0, Integer.MAX_VALUE, new Shape(1), DataType.INT64).getLong(0);
            seeds = new long[n];
            for (int i = 0; i < n; i++) {
                seeds[i] = first + i;
            }
        }
        NDArray[] inputs = new NDArray[n];
        NDArray x;
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            // a copy made without gradients: a leaf of its own, the embeddings keep their graph
            x = embeddings.duplicate();
            for (int i = 0; i < n; i++) {
                inputs[i] = x;
                try (NDScope layer = new NDScope()) { // the block's temporaries, freed at once
                    layer.suppressNotUsedWarning();
                    if (seeds != null) {
                        ai.djl.pytorch.jni.JniUtils.setSeed(seeds[i]);
                    }
                    x = layers.get(i).forward(x, bias, tables, null, i, training);
                    NDScope.unregister(x);
                }
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
        x.setRequiresGradient(true); // a leaf: the loss's backward leaves its gradient here
        // (libtorch's requires_grad, as DJL reads it, is false on the embeddings' non-leaf output: ask the tables)
        boolean embeddingsTrainable = tokenEmbedding.requiresGradient()
                || (positionEmbedding != null && positionEmbedding.requiresGradient());
        GradientCheckpointing.push(new GradientCheckpointing.Segment(List.copyOf(layers), embeddings,
                embeddingsTrainable, inputs, x, bias, tables, training, seeds));
        return finalNorm.forward(x);
    }

    /**
     * Learned positions end at the table's size: past it libtorch fails with "index out of range in
     * self", so say which limit was hit instead. Positions never exceed the sequence length, so only
     * longer sequences are read back.
     */
    private void checkPositions(NDArray positions, long length) {
        int limit = config.maxPositions();
        if (length <= limit) {
            return;
        }
        long last = positions.max().toType(DataType.INT64, false).getLong();
        if (last >= limit) {
            throw new IllegalArgumentException("a sequence reaches position " + last + ", but the model has "
                    + limit + " learned positions (max_position_embeddings / n_positions in config.json); shorten the"
                    + " input (sft.max_length, reward_model.max_length, ppo.max_prompt_length + ppo.max_new_tokens,"
                    + " or --max-new-tokens)");
        }
    }

    /** Next-token logits (…, V) from hidden states (…, C). */
    public NDArray logits(NDArray hidden) {
        NDArray head = lmHead != null ? lmHead.getArray() : tokenEmbedding.getArray();
        return Linear.linear(hidden, head).singletonOrThrow();
    }

    /**
     * The additive attention mask (B, 1, T, S): 0 where query t may see key s (s at or before t,
     * s a real token, in the same segment, and within the sliding window if any), -1e9 elsewhere.
     * A finite value keeps fully masked rows (left-padding queries) free of NaN.
     */
    private NDArray attentionBias(NDManager m, NDArray attentionMask, NDArray segmentIds, KvCache cache, long b,
            long t, long past) {
        long s = past + t;
        if (cache != null && t == 1 && attentionMask != null && segmentIds == null && config.slidingWindow() == 0
                && attentionMask.getShape().get(1) == s && cache.maskCovers(past)) {
            // one decoding step: it sees every cached key, so the mask is the padding bias, extended by a column
            return cache.extendMask(attentionMask, MASKED); // (B, 1, 1, S)
        }
        NDArray keyPos = m.arange(0, s, 1, DataType.INT64).reshape(1, 1, 1, s);
        NDArray queryPos = m.arange(past, s, 1, DataType.INT64).reshape(1, 1, t, 1);
        NDArray allowed = keyPos.lte(queryPos); // (1, 1, T, S)
        if (config.slidingWindow() > 0) {
            allowed = allowed.logicalAnd(queryPos.sub(keyPos).lt(config.slidingWindow()));
        }
        if (attentionMask != null) {
            if (attentionMask.getShape().get(1) != s) {
                throw new IllegalArgumentException("attention mask covers " + attentionMask.getShape().get(1)
                        + " positions, but cache + input hold " + s);
            }
            NDArray real = attentionMask.toType(DataType.BOOLEAN, false).reshape(b, 1, 1, s);
            allowed = allowed.logicalAnd(real); // (B, 1, T, S)
        }
        if (segmentIds != null) {
            if (segmentIds.getShape().get(1) != s) {
                throw new IllegalArgumentException("segment ids cover " + segmentIds.getShape().get(1)
                        + " positions, but cache + input hold " + s);
            }
            NDArray keySegment = segmentIds.reshape(b, 1, 1, s);
            NDArray querySegment = segmentIds.get(":, " + past + ":").reshape(b, 1, t, 1);
            allowed = allowed.logicalAnd(querySegment.eq(keySegment)); // (B, 1, T, S)
        }
        NDArray bias = allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED);
        if (cache != null && attentionMask != null && past == 0) {
            cache.extendMask(attentionMask, MASKED); // the padding of the prompt, for the steps that follow
        }
        return bias;
    }

    /**
     * Position ids for a padded batch, as transformers' generate computes them: the running count
     * of real tokens minus one, and 0 at padding (no real token sees a pad, so its value is moot).
     * (B, S) int64.
     */
    public static NDArray positionsFromMask(NDArray attentionMask) {
        NDArray mask = attentionMask.toType(DataType.INT64, false);
        return mask.cumSum(1).sub(1).mul(mask);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        NDArray positions = inputs.size() > 2 ? inputs.get(2) : null;
        ModelOutput out = forward(inputs.get(0), mask, positions, null, training);
        return new NDList(out.logits(), out.hidden());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {
            new Shape(ids.get(0), ids.get(1), config.vocabSize()),
            new Shape(ids.get(0), ids.get(1), config.hiddenSize())
        };
    }

    @Override
    public void close() {
        manager.close();
    }
}
