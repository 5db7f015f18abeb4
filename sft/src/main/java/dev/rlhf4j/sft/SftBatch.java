package dev.rlhf4j.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.util.Checks;
import java.util.Arrays;
import java.util.List;

/**
 * A micro-batch of rows, right-padded to its longest row, as host arrays. Dimensions: B rows, T
 * the longest row.
 *
 * <p>Targets are shifted per example, before rows are formed: {@code targets[b][t]} is the token
 * after position t of the same example, and {@code weights[b][t]} is 1 when that token is trained.
 * The last token of each example predicts nothing, so no example is ever scored on the first
 * token of the next one in a packed row.
 *
 * @param ids (B, T) token ids, pad id after the row's end
 * @param attentionMask (B, T) 1 for real tokens, 0 for padding
 * @param positions (B, T) position ids, from 0 in every example
 * @param segmentIds (B, T) 1, 2, ... for the examples of a row, 0 at padding; null when rows are
 *     not packed
 * @param targets (B, T) the next token of the same example (pad id where there is none)
 * @param weights (B, T) 1 where {@code targets} is a loss target, else 0
 * @param examples examples in the batch
 * @param tokens real (non-pad) tokens
 * @param targetTokens loss targets, the sum of {@code weights}
 */
public record SftBatch(long[][] ids, long[][] attentionMask, long[][] positions, long[][] segmentIds,
        long[][] targets, float[][] weights, int examples, long tokens, long targetTokens) {

    /**
     * Lays out {@code rows} (from {@link Packing}).
     *
     * @param packed pass segment ids so that examples of one row never attend to each other
     */
    public static SftBatch collate(List<List<SftExample>> rows, long padId, boolean packed) {
        Checks.notEmpty("rows", rows);
        int b = rows.size();
        int width = 0;
        for (List<SftExample> row : rows) {
            width = Math.max(width, row.stream().mapToInt(SftExample::length).sum());
        }
        long[][] ids = new long[b][width];
        long[][] mask = new long[b][width];
        long[][] positions = new long[b][width];
        long[][] segments = new long[b][width];
        long[][] targets = new long[b][width];
        float[][] weights = new float[b][width];
        int examples = 0;
        long tokens = 0;
        long targetTokens = 0;
        for (int r = 0; r < b; r++) {
            Arrays.fill(ids[r], padId);
            Arrays.fill(targets[r], padId);
            int at = 0;
            int segment = 0;
            for (SftExample e : rows.get(r)) {
                Checks.check(packed || rows.get(r).size() == 1,
                        "a row holds %s examples, but the batch is not packed", rows.get(r).size());
                segment++;
                examples++;
                int n = e.length();
                for (int t = 0; t < n; t++) {
                    ids[r][at + t] = e.ids()[t];
                    mask[r][at + t] = 1;
                    positions[r][at + t] = t;
                    segments[r][at + t] = segment;
                    if (t + 1 < n) {
                        targets[r][at + t] = e.ids()[t + 1];
                        if (e.trained()[t + 1]) {
                            weights[r][at + t] = 1f;
                            targetTokens++;
                        }
                    }
                }
                at += n;
                tokens += n;
            }
        }
        return new SftBatch(ids, mask, positions, packed ? segments : null, targets, weights, examples, tokens,
                targetTokens);
    }

    /** Rows. */
    public int rows() {
        return ids.length;
    }

    /** Row width T (the longest row). */
    public int width() {
        return ids.length == 0 ? 0 : ids[0].length;
    }

    /** The batch on the engine, in {@code manager} (the step's scope). */
    public Tensors toTensors(NDManager manager) {
        return new Tensors(manager.create(ids), manager.create(attentionMask), manager.create(positions),
                segmentIds == null ? null : manager.create(segmentIds), manager.create(targets),
                manager.create(weights));
    }

    /**
     * The batch as NDArrays; shapes as in {@link SftBatch}.
     *
     * @param segmentIds null when not packed
     */
    public record Tensors(NDArray ids, NDArray attentionMask, NDArray positions, NDArray segmentIds,
            NDArray targets, NDArray weights) {}
}
