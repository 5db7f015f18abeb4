package dev.rlhf4j.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.KvCache;
import java.util.Arrays;
import java.util.List;

/**
 * The rows being decoded and what the next forward needs for them: the KV cache, and on the Java
 * side each row's attention mask, the position of its next token and (for the uncached baseline)
 * every id so far. {@link Generator} and {@link BeamSearch} both decode through it: it runs the
 * prompts once (prefill), then one token per row per step against the cache, and reorders rows
 * when a decoder drops finished sequences or follows the beams it selected.
 *
 * <p>Prompts of different lengths are left-padded; positions count real tokens only (as
 * transformers' {@code generate}). The cache is allocated once for prompt + new tokens and
 * written in place; the padding part of the attention mask is kept beside it and extended by a
 * column per step (see {@link KvCache}).
 *
 * <p>Dimensions: R rows, V vocabulary.
 */
final class DecodingBatch implements AutoCloseable {
    private final CausalLM model;
    private final boolean useCache;
    private final int promptLength;
    private final NDManager manager;
    private final KvCache cache;
    private long[][] ids; // (R, prompt + new): the left-padded prompt, then the appended tokens
    private long[][] mask; // (R, prompt + new): 1 for real tokens
    private long[] nextPosition; // (R): the position of the next appended token
    private int filled; // columns of ids holding tokens
    private boolean prefilled;

    /**
     * @param maxNewTokens most tokens appended per row (sizes the cache)
     * @param useCache false: recompute the whole sequence every step (the baseline the cache is measured against)
     * @param parent owns the cache until {@link #close()}
     */
    DecodingBatch(CausalLM model, List<long[]> prompts, int padId, int maxNewTokens, boolean useCache,
            NDManager parent) {
        this.model = model;
        this.useCache = useCache;
        this.promptLength = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        if (promptLength == 0) {
            throw new IllegalArgumentException("every prompt needs at least one token");
        }
        int rows = prompts.size();
        int total = promptLength + maxNewTokens;
        ids = new long[rows][total];
        mask = new long[rows][total];
        nextPosition = new long[rows];
        for (int r = 0; r < rows; r++) {
            long[] p = prompts.get(r);
            int pad = promptLength - p.length;
            Arrays.fill(ids[r], 0, pad, padId);
            System.arraycopy(p, 0, ids[r], pad, p.length);
            Arrays.fill(mask[r], pad, promptLength, 1);
            nextPosition[r] = p.length;
        }
        filled = promptLength;
        manager = parent;
        cache = new KvCache(parent, model.config().numLayers(), total);
    }

    int rows() {
        return ids.length;
    }

    /**
     * The next-token logits of every row (R, V), in {@code m}: the first call runs the prompts,
     * later ones the token appended last (or, uncached, everything so far).
     */
    NDArray nextLogits(NDManager m) {
        NDArray maskArr = m.create(columns(mask, filled));
        NDArray hidden;
        if (!useCache) {
            hidden = model.hidden(m.create(columns(ids, filled)), maskArr, CausalLM.positionsFromMask(maskArr), null,
                    false);
        } else if (!prefilled) {
            hidden = model.hidden(m.create(columns(ids, filled)), maskArr, CausalLM.positionsFromMask(maskArr), cache,
                    false);
        } else {
            long[][] last = new long[rows()][1];
            long[][] positions = new long[rows()][1];
            for (int r = 0; r < rows(); r++) {
                last[r][0] = ids[r][filled - 1];
                positions[r][0] = nextPosition[r] - 1;
            }
            hidden = model.hidden(m.create(last), maskArr, m.create(positions), cache, false);
        }
        prefilled = true;
        return model.logits(hidden.get(new NDIndex(":, -1, :"))); // (R, V)
    }

    /** Appends one token to every row (R). */
    void append(long[] tokens) {
        if (tokens.length != rows()) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + rows() + " rows");
        }
        for (int r = 0; r < rows(); r++) {
            ids[r][filled] = tokens[r];
            mask[r][filled] = 1;
            nextPosition[r]++;
        }
        filled++;
    }

    /**
     * Row r becomes old row {@code from[r]}: drops rows, reorders them, and repeats them (beams of
     * one prompt start as copies). The cache is index-selected, the Java-side state copied.
     */
    void selectRows(long[] from) {
        if (isIdentity(from)) {
            return;
        }
        if (useCache && prefilled) {
            try (NDManager m = manager.newSubManager()) {
                cache.selectRows(m.create(from));
            }
        }
        long[][] newIds = new long[from.length][];
        long[][] newMask = new long[from.length][];
        long[] newNext = new long[from.length];
        for (int r = 0; r < from.length; r++) {
            int old = Math.toIntExact(from[r]);
            newIds[r] = ids[old].clone();
            newMask[r] = mask[old].clone();
            newNext[r] = nextPosition[old];
        }
        ids = newIds;
        mask = newMask;
        nextPosition = newNext;
    }

    private boolean isIdentity(long[] from) {
        if (from.length != rows()) {
            return false;
        }
        for (int r = 0; r < from.length; r++) {
            if (from[r] != r) {
                return false;
            }
        }
        return true;
    }

    private static long[][] columns(long[][] values, int width) {
        long[][] out = new long[values.length][];
        for (int r = 0; r < values.length; r++) {
            out[r] = Arrays.copyOf(values[r], width);
        }
        return out;
    }

    @Override
    public void close() {
        cache.close();
    }
}
