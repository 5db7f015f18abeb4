package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the tokens seen so far, for incremental decoding.
 *
 * <p>Shapes per layer: (B, H_kv, S, D), before the grouped-query repeat. The cache owns its arrays
 * in its own manager, so they outlive the per-step scope that computed them; appending closes the
 * previous arrays. Close the cache when the generation ends.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    public KvCache(NDManager parent, int numLayers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
    }

    /** Number of positions cached (S). */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /** Appends this step's keys and values (B, H_kv, T, D) to layer {@code layer}; returns the full (B, H_kv, S+T, D). */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray newK = keys[layer] == null ? k.duplicate() : keys[layer].concat(k, 2);
        NDArray newV = values[layer] == null ? v.duplicate() : values[layer].concat(v, 2);
        newK.attach(manager);
        newV.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = newK;
        values[layer] = newV;
        return new NDArray[] {newK, newV};
    }

    /** Keeps only the rows {@code rows} (B' ≤ B): finished sequences stop costing work. */
    public void selectRows(NDArray rows) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null) {
                continue;
            }
            NDArray k = keys[i].get(rows);
            NDArray v = values[i].get(rows);
            k.attach(manager);
            v.attach(manager);
            keys[i].close();
            values[i].close();
            keys[i] = k;
            values[i] = v;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
