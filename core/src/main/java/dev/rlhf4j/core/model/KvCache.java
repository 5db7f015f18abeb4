package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the tokens seen so far, for incremental decoding, and the
 * padding part of the attention mask over them.
 *
 * <p>Shapes per layer: (B, H_kv, S_max, D), before the grouped-query repeat. The buffers are
 * allocated once, at the first append, for {@code capacity} positions, and each step's keys and
 * values are written into them in place: a step costs a copy of its own T positions, not of the
 * whole cache (growing by concatenation copies everything every token). Past the capacity the
 * buffers are reallocated at twice the size. Readers get views of the filled part, created in the
 * manager of the step's arrays so they die with the step.
 *
 * <p>The mask: {@link #extendMask} appends the additive padding bias (0 for real keys, -1e9 for
 * padding) of new positions to a (B, 1, 1, S_max) buffer, so a one-token step reads its mask as a
 * view instead of rebuilding it from the (B, S) attention mask.
 *
 * <p>The cache owns its buffers in its own manager, so they outlive the per-step and per-layer
 * scopes that compute them; close the cache when the generation ends.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final long[] lengths;
    private long capacity;
    private NDArray maskBias; // (B, 1, 1, capacity)
    private long maskLength;

    /** A cache that sizes itself at the first append (and grows by doubling). */
    public KvCache(NDManager parent, int numLayers) {
        this(parent, numLayers, 0);
    }

    /**
     * @param capacity positions to allocate for at the first append (prompt + new tokens); 0: the
     *     first append's length, doubled when exceeded
     */
    public KvCache(NDManager parent, int numLayers, long capacity) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
        this.lengths = new long[numLayers];
        this.capacity = capacity;
    }

    /** Number of positions cached (S). */
    public long length() {
        return lengths[0];
    }

    /**
     * Writes this step's keys and values (B, H_kv, T, D) of layer {@code layer} after the cached
     * ones; returns views (B, H_kv, S+T, D) of everything cached, in the manager of {@code k}.
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        long end = lengths[layer] + t;
        if (keys[layer] == null || end > keys[layer].getShape().get(2)) {
            long size = Math.max(Math.max(capacity, end), keys[layer] == null ? 0 : 2 * keys[layer].getShape().get(2));
            keys[layer] = grow(keys[layer], k, size, lengths[layer]);
            values[layer] = grow(values[layer], v, size, lengths[layer]);
            capacity = Math.max(capacity, size);
        }
        NDIndex newPositions = new NDIndex(":, :, {}:{}", lengths[layer], end);
        keys[layer].set(newPositions, k);
        values[layer].set(newPositions, v);
        lengths[layer] = end;
        NDIndex filled = new NDIndex(":, :, :{}", end);
        return new NDArray[] {keys[layer].get(k.getManager(), filled), values[layer].get(k.getManager(), filled)};
    }

    /** A buffer of {@code size} positions shaped like {@code like}, holding the first {@code filled} of {@code old}. */
    private NDArray grow(NDArray old, NDArray like, long size, long filled) {
        Shape s = like.getShape();
        NDArray buffer = manager.zeros(new Shape(s.get(0), s.get(1), size, s.get(3)), like.getDataType());
        NDScope.unregister(buffer); // owned by the cache, not by the scope that happens to be open
        if (old != null) {
            if (filled > 0) {
                try (NDArray part = old.get(new NDIndex(":, :, :{}", filled))) {
                    buffer.set(new NDIndex(":, :, :{}", filled), part);
                }
            }
            old.close();
        }
        return buffer;
    }

    /**
     * Appends the padding bias of the positions of {@code attentionMask} (B, S) not yet in the
     * mask buffer; returns a view (B, 1, 1, S) of the whole bias, in the manager of the mask.
     */
    NDArray extendMask(NDArray attentionMask, float masked) {
        long b = attentionMask.getShape().get(0);
        long s = attentionMask.getShape().get(1);
        if (maskBias == null || s > maskBias.getShape().get(3)) {
            NDArray bigger = manager.zeros(new Shape(b, 1, 1, Math.max(Math.max(capacity, s), 2 * maskLength)));
            NDScope.unregister(bigger);
            if (maskBias != null) {
                if (maskLength > 0) {
                    try (NDArray part = maskBias.get(new NDIndex(":, :, :, :{}", maskLength))) {
                        bigger.set(new NDIndex(":, :, :, :{}", maskLength), part);
                    }
                }
                maskBias.close();
            }
            maskBias = bigger;
        }
        if (s > maskLength) {
            NDArray fresh = attentionMask.get(new NDIndex(":, {}:", maskLength)).toType(DataType.FLOAT32, false)
                    .sub(1f).mul(-masked).reshape(b, 1, 1, s - maskLength); // 0 real, masked padding
            maskBias.set(new NDIndex(":, :, :, {}:{}", maskLength, s), fresh);
            maskLength = s;
        }
        return maskBias.get(attentionMask.getManager(), new NDIndex(":, :, :, :{}", s));
    }

    /** Whether the mask buffer covers exactly the cached positions (then a one-token step can extend it). */
    boolean maskCovers(long positions) {
        return maskBias != null && maskLength == positions;
    }

    /** Keeps only the rows {@code rows} (B' ≤ B): finished sequences stop costing work. */
    public void selectRows(NDArray rows) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null) {
                continue;
            }
            keys[i] = take(keys[i], rows);
            values[i] = take(values[i], rows);
        }
        if (maskBias != null) {
            maskBias = take(maskBias, rows);
        }
    }

    private NDArray take(NDArray buffer, NDArray rows) {
        NDArray kept = buffer.get(manager, new NDIndex("{}", rows));
        NDScope.unregister(kept);
        buffer.close();
        return kept;
    }

    @Override
    public void close() {
        manager.close();
    }
}
