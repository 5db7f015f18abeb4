package dev.rlhf4j.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.util.Checks;
import dev.rlhf4j.data.record.Votes;
import java.util.Arrays;
import java.util.List;

/**
 * A micro-batch of pairs as host arrays, laid out as TRL's {@code DataCollatorForPreference}: the
 * P chosen sequences (prompt + chosen) in rows {@code 0..P-1}, the P rejected ones in rows {@code
 * P..2P-1}, right-padded to the longest. Targets are shifted: position t predicts token t+1.
 *
 * <p>Every vote of a pair is an example (the default, {@code use_votes}): a vote for the chosen
 * side is the pair as written, a vote against it is the pair with the sides swapped, a tie vote
 * half of each ({@link Votes#chosenRate}). {@code forWeight[i]} and {@code againstWeight[i]} are
 * pair i's votes each way over all votes of the micro-batch, so the loss is a mean over votes;
 * with one vote per pair, {@code 1/P} and 0: TRL's mean over pairs.
 *
 * <p>Dimensions: P pairs, B = 2P rows, T the longest row.
 *
 * @param ids (B, T) token ids, pad id after each row's end
 * @param mask (B, T) 1 on real tokens
 * @param targets (B, T) the next token (pad id where there is none)
 * @param completion (B, T) 1 where the target is a response token (the tokens summed into a log-prob)
 * @param real (B, T) 1 where the target is any real token (ORPO's NLL reads the whole sequence)
 * @param completionLength (B) response tokens per row, at least 1 (IPO's normaliser, as TRL)
 * @param forWeight (P) votes for the chosen side over the batch's votes
 * @param againstWeight (P) votes against it over the batch's votes
 * @param votes all votes of the batch (its weight within a step)
 * @param index (P) each pair's position in the data
 * @param tokens real tokens of the batch
 */
public record DpoBatch(long[][] ids, long[][] mask, long[][] targets, float[][] completion, float[][] real,
        float[] completionLength, float[] forWeight, float[] againstWeight, double votes, int[] index, long tokens) {

    /** Lays out {@code pairs}; {@code useVotes} false trains each pair once, in its own direction. */
    public static DpoBatch collate(List<DpoExample> pairs, long padId, boolean useVotes) {
        Checks.notEmpty("pairs", pairs);
        int p = pairs.size();
        int b = 2 * p;
        int width = 1;
        for (DpoExample e : pairs) {
            width = Math.max(width, e.promptIds().length + Math.max(e.chosenIds().length, e.rejectedIds().length));
        }
        long[][] ids = new long[b][width];
        long[][] mask = new long[b][width];
        long[][] targets = new long[b][width];
        float[][] completion = new float[b][width];
        float[][] real = new float[b][width];
        float[] completionLength = new float[b];
        double[] forVotes = new double[p];
        double[] againstVotes = new double[p];
        int[] index = new int[p];
        double total = 0;
        long tokens = 0;
        for (int i = 0; i < p; i++) {
            DpoExample e = pairs.get(i);
            index[i] = e.index();
            tokens += row(e.promptIds(), e.chosenIds(), padId, ids[i], mask[i], targets[i], completion[i], real[i]);
            tokens += row(e.promptIds(), e.rejectedIds(), padId, ids[p + i], mask[p + i], targets[p + i],
                    completion[p + i], real[p + i]);
            completionLength[i] = Math.max(1, e.chosenIds().length);
            completionLength[p + i] = Math.max(1, e.rejectedIds().length);
            Votes v = e.votes();
            if (useVotes && v.total() > 0) {
                forVotes[i] = v.chosen() + 0.5 * v.tie();
                againstVotes[i] = v.rejected() + 0.5 * v.tie();
            } else {
                forVotes[i] = 1;
            }
            total += forVotes[i] + againstVotes[i];
        }
        float[] forWeight = new float[p];
        float[] againstWeight = new float[p];
        for (int i = 0; i < p; i++) {
            forWeight[i] = (float) (forVotes[i] / total);
            againstWeight[i] = (float) (againstVotes[i] / total);
        }
        return new DpoBatch(ids, mask, targets, completion, real, completionLength, forWeight, againstWeight, total,
                index, tokens);
    }

    private static int row(long[] prompt, long[] response, long padId, long[] ids, long[] mask, long[] targets,
            float[] completion, float[] real) {
        int n = prompt.length + response.length;
        Arrays.fill(ids, padId);
        Arrays.fill(targets, padId);
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(response, 0, ids, prompt.length, response.length);
        Arrays.fill(mask, 0, n, 1L);
        for (int t = 0; t + 1 < n; t++) {
            targets[t] = ids[t + 1];
            real[t] = 1f;
            completion[t] = t + 1 >= prompt.length ? 1f : 0f;
        }
        return n;
    }

    /** Pairs. */
    public int pairs() {
        return forWeight.length;
    }

    /** The batch on the engine, in {@code manager} (the step's scope). */
    public Tensors toTensors(NDManager manager) {
        Shape p = new Shape(pairs());
        return new Tensors(manager.create(ids), manager.create(mask), manager.create(targets),
                manager.create(completion), manager.create(real), manager.create(completionLength),
                manager.create(forWeight, p), manager.create(againstWeight, p), firstCompletion());
    }

    /** The first position whose target is a response token in any row: no row's log-prob reads one before it. */
    int firstCompletion() {
        int first = ids[0].length;
        for (float[] row : completion) {
            for (int t = 0; t < Math.min(first, row.length); t++) {
                if (row[t] > 0) {
                    first = t;
                    break;
                }
            }
        }
        return first;
    }

    /**
     * The arrays of a {@link DpoBatch}; shapes as there.
     *
     * @param firstCompletion the first position whose target is a response token in any row
     */
    public record Tensors(NDArray ids, NDArray mask, NDArray targets, NDArray completion, NDArray real,
            NDArray completionLength, NDArray forWeight, NDArray againstWeight, int firstCompletion) {}
}
